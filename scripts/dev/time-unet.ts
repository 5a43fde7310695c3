import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/engine/backend";
import { adam } from "../../lib/engine/optimizers";
import { createUNet, unetFlops } from "../../lib/unet";
import { linearSchedule, diffusionLoss } from "../../lib/diffusion";
const cfgs = JSON.parse(process.argv[2] ?? '[[32,64,64]]');
const side = Number(process.argv[3] ?? 28);
(async () => {
  const b = await selectBackend({});
  console.log(b.name ?? b);
  const sched = linearSchedule(1000);
  for (const channels of cfgs) {
    const net = createUNet({ side, channels, classes: 10 });
    const opt = adam(2e-4);
    const x = tf.randomUniform([64, side*side], -1, 1) as tf.Tensor2D;
    const c = tf.zeros([64], "int32") as tf.Tensor1D;
    const step = () => { const l = opt.minimize(() => diffusionLoss((xt, t) => net.epsTheta(xt, t, c), x, sched), true, net.variables as any); l!.dataSync(); l!.dispose(); };
    step();
    let t0 = Date.now(); for (let i = 0; i < 5; i++) step(); const tr = (Date.now() - t0) / 5;
    const xb = tf.randomUniform([500, side*side], -1, 1) as tf.Tensor2D; const tb = tf.zeros([500], "int32") as tf.Tensor1D;
    net.epsTheta(xb, tb, tb).dispose();
    t0 = Date.now(); for (let i = 0; i < 3; i++) { const y = net.epsTheta(xb, tb, tb); y.dataSync(); y.dispose(); } const fw = (Date.now() - t0) / 3;
    const params = net.variables.reduce((s, v) => s + v.size, 0);
    console.log(JSON.stringify(channels), `params ${params}`, `MFLOP(madd) ${(unetFlops({side, channels})/1e6).toFixed(1)}`, `train step b64 ${tr} ms`, `fwd b500 ${fw} ms`, `-> GFLOP/s fwd ${(2*500*unetFlops({side,channels})/fw/1e6).toFixed(1)}`);
    net.dispose(); x.dispose(); xb.dispose(); tb.dispose(); c.dispose();
  }
})();
