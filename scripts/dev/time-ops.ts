import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { groupNormNHWC, upsampleNearest2x } from "../../lib/engine/ops";
(async () => {
  await selectBackend({});
  const x = tf.randomNormal([500, 28, 28, 32]) as tf.Tensor4D; const g = tf.ones([32]) as tf.Tensor1D, b = tf.zeros([32]) as tf.Tensor1D;
  const x14 = tf.randomNormal([500, 14, 14, 32]) as tf.Tensor4D;
  for (let i = 0; i < 3; i++) {
    let t0 = Date.now(); const y = groupNormNHWC(x, g, b, 8, 1e-5); y.dataSync(); const t1 = Date.now();
    const u = upsampleNearest2x(x14); u.dataSync(); const t2 = Date.now();
    const gr = tf.grad((z: tf.Tensor) => groupNormNHWC(z as tf.Tensor4D, g, b, 8, 1e-5).square().sum())(x); gr.dataSync(); const t3 = Date.now();
    const s = x.dataSync(); const t4 = Date.now();
    console.log(`gn fwd ${t1 - t0} ms, up fwd ${t2 - t1} ms, gn grad(total) ${t3 - t2}, dataSync ${t4 - t3}`);
    tf.dispose([y, u, gr]);
  }
})();
