// Stage 01's checks: pass on solutions/, TODO stubs on exercises/, catch the typical mistakes
// (off-by-one lag alignment, a forgotten intercept, integrating from the wrong start value, ...).
import { describeStage } from "./stage";

describeStage("01", {
  mistakes: {
    "difference-reversed.ts": { fails: "01.1", message: /got \[-3, -5, -7, -9\].*signs are flipped/ },
    "integrate-from-zero.ts": {
      fails: "01.2",
      message: /got \[0, 3, 8, 15, 24\].*off by −1: the sum starts from 0, but it must start from start = 1/,
    },
    "acf-adjusted.ts": { fails: "01.3", message: /got \[1, 0\.3333, -0\.6, -1\.8\].*divides lag k's sum by T − k/ },
    "fit-no-intercept.ts": { fails: "01.4", message: /got intercept 0 and phi \[1\.233\].*fit without an intercept/ },
    "fit-lag-off-by-one.ts": { fails: "01.4", message: /got intercept 0 and phi \[1\].*perfect fit of x_t on ITSELF/ },
    "forecast-off-by-one.ts": { fails: "01.5", message: /expected 4\.5, got 3\.7.*phi_1 went with history\[T − 2\]/ },
    "sample-sigma2.ts": { fails: "01.6", message: /got \[6, 3\.5, -2\.75\].*z times sigma2 = 4/ },
  },
});
