import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { adam } from "../../lib/engine/optimizers";
import { createUNet } from "../../lib/unet";
import { linearSchedule, diffusionLoss } from "../../lib/diffusion";
(async () => {
  await selectBackend({});
  const side = Number(process.argv[4] ?? 28), B = Number(process.argv[3] ?? 64);
  const channels = JSON.parse(process.argv[2] ?? "[32,64,64]");
  const net = createUNet({ side, channels, classes: 10 });
  const opt = adam(2e-4); const sched = linearSchedule(1000);
  const x = tf.randomUniform([B, side*side], -1, 1) as tf.Tensor2D; const c = tf.zeros([B], "int32") as tf.Tensor1D;
  const f = () => diffusionLoss((xt, t) => net.epsTheta(xt, t, c), x, sched);
  for (let r = 0; r < 3; r++) {
    let t0 = Date.now(); for (let i = 0; i < 3; i++) { const l = f(); l.dataSync(); l.dispose(); } const fw = (Date.now() - t0) / 3;
    t0 = Date.now(); for (let i = 0; i < 3; i++) { const l = opt.minimize(f, true, net.variables as any)!; l.dataSync(); l.dispose(); } const st = (Date.now() - t0) / 3;
    console.log(`fwd ${fw} ms, step ${st} ms, tensors ${tf.memory().numTensors}`);
  }
})();
