// Stage 01's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes
// (off-by-one lag alignment, a forgotten intercept, integrating from the wrong start value, ...), and
// tell a NaN from an index outside an array apart from a 0/0.
import { describeStage } from "./stage";

describeStage("01", {
  mistakes: {
    "difference-reversed.ts": { fails: "01.1", message: /got \[-3, -5, -7, -9\].*signs are flipped/ },
    "difference-past-end.ts": {
      fails: "01.1",
      message:
        /returned NaN at element 3 \(expected 9\); Hint: a difference only adds and subtracts, so a NaN comes from an index outside an array.*the last value/,
    },
    "integrate-from-zero.ts": {
      fails: "01.2",
      message: /got \[0, 3, 8, 15, 24\].*off by −1: the sum starts from 0, but it must start from start = 1/,
    },
    "integrate-levels-reversed.ts": { fails: "01.2", message: /got \[3, 4, 7, 12, 19\].*integrated in the wrong order/ },
    "acf-adjusted.ts": { fails: "01.3", message: /got \[1, 0\.3333, -0\.6, -1\.8\].*divides lag k's sum by T − k/ },
    "acf-lag-from-zero.ts": {
      fails: "01.3",
      message:
        /acf\(\[1, 2, 3, 4\], 3\) returned NaN at element 1.*rho_0 is fine but rho_1 is NaN, and lag 1's sum is not 0 .* no 0\/0: the sum read z\[t − 1\] with t < 1/,
    },
    "fit-no-intercept.ts": { fails: "01.4", message: /got intercept 0 and phi \[1\.233\].*fit without an intercept/ },
    "fit-lag-off-by-one.ts": { fails: "01.4", message: /got intercept 0 and phi \[1\].*perfect fit of x_t on ITSELF/ },
    "fit-phi-reversed.ts": { fails: "01.4", message: /got intercept 1 and phi \[-0\.25, 0\.5\].*phi is reversed/ },
    "fit-rows-from-too-early.ts": {
      fails: "01.4",
      message: /threw ".*must be finite.*"\. Hint: x\[-1\] was read, outside its indices 0\.\.4/,
    },
    "forecast-off-by-one.ts": { fails: "01.5", message: /expected 4\.5, got 3\.7.*phi_1 went with history\[T − 2\]/ },
    "forecast-reversed.ts": { fails: "01.5", message: /expected 1\.25, got 1\.625.*phi is applied in reverse/ },
    "forecast-past-end.ts": {
      fails: "01.5",
      message: /returned NaN \(expected 4\.5\); Hint: history\[5\] was read, outside its indices 0\.\.4/,
    },
    "sample-sigma2.ts": { fails: "01.6", message: /got \[6, 3\.5, -2\.75\].*z times sigma2 = 4/ },
    "sample-means-fed-back.ts": { fails: "01.6", message: /got \[4, 1\.5, -0\.75\].*the values you DREW/ },
    "sample-without-start.ts": { fails: "01.6", message: /returned NaN at element 0 \(expected 4\); Hint: .*copy start into it first/ },
    "arma-current-shock.ts": { fails: "01.7", message: /got \[5\.4, 2\.6, 5\.05\].*theta_j multiplies e_\{t−j\}, the shock j steps BACK/ },
    "arma-start-zero.ts": { fails: "01.7", message: /got \[3\.3, 1\.4, 2\.725\].*mu = intercept \/ \(1 − Σ phi\) = 4, not 0/ },
    "arma-burn-in-kept.ts": { fails: "01.7", message: /expected 3 values .* got 4: .*the first burnIn = 1 values are still there/ },
    "arma-presample-shock-undefined.ts": {
      fails: "01.7",
      message: /returned NaN at element 0 .*a shock before the start, e\[t − j\] with t − j < 0/,
    },
    "arma-ma-unscaled.ts": {
      fails: "01.7",
      message: /got \[5\.4, 3\.2, 4\.55\].*the past shocks are e_\{t−j\} = sqrt\(sigma2\)·z_\{t−j\}/,
    },
  },
});
