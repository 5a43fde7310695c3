import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { createUNet } from "../../lib/unet";
(async () => {
  await selectBackend({});
  const side = 28,
    B = 500;
  const net = createUNet({ side, channels: [32, 64, 64], classes: 10 });
  const xb = tf.randomUniform([B, side * side], -1, 1) as tf.Tensor2D;
  const tb = tf.zeros([B], "int32") as tf.Tensor1D;
  net.epsTheta(xb, tb, tb).dispose();
  const prof = await tf.profile(() => {
    const y = net.epsTheta(xb, tb, tb);
    y.dataSync();
    return y;
  });
  const by: Record<string, number> = {};
  for (const k of prof.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(
    Object.entries(by)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join("\n"),
  );
})();
