// Notebook 01's numbers in prose, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

const AR2 = "911ad1cd";
const ARIMA = "370f2e44";

export const claims: Claim[] = [
  { prose: "**Yearly sunspot numbers, 1700–2008** (309 values", quoted: "309", output: /sunspots: (\d+) years/, cell: "fc9e831a" },
  { prose: "for 746 months: five months are simply absent", quoted: "746", output: /CO₂: (\d+) months on the complete grid/, cell: "fc9e831a" },
  { prose: "(intercept 14.9071,", quoted: "14.9071", output: /AR\(2\): intercept ([\d.]+)/, cell: AR2 },
  { prose: "$\\phi$ = [1.3918, −0.6903]", quoted: "1.3918", output: /AR\(2\): intercept [\d.]+, phi \[(-?[\d.]+),/, cell: AR2 },
  { prose: "$\\phi$ = [1.3918, −0.6903]", quoted: "−0.6903", output: /AR\(2\): intercept [\d.]+, phi \[-?[\d.]+, (-?[\d.]+)\]/, cell: AR2 },
  { prose: "$\\sigma^2$ = 275.44", quoted: "275.44", output: /sigma2 ([\d.]+), \d+ equations/, cell: AR2 },
  { prose: "damped oscillation of about 10.9 years", quoted: "10.9", output: /built-in cycle of ([\d.]+) years/, cell: AR2 },
  { prose: "Both criteria choose $p = 9$", quoted: "9", output: /AIC picks p = (\d+)/, cell: "9eb83655" },
  { prose: "Both criteria choose $p = 9$", quoted: "9", output: /BIC picks p = (\d+)/, cell: "9eb83655" },
  { prose: "(about 10% of the sampled values)", quoted: "10%", output: /fraction < 0 0\.000 ([\d.]+)/, cell: "2d62e30b", scale: 100 },
  { prose: "stays within 3.8 of the forecast mean", quoted: "3.8", output: /within ([\d.]+) of the forecast mean/, cell: "b1cdb95c" },
  { prose: "and 95.3% of their values", quoted: "95.3%", output: /([\d.]+)% of their values fall inside/, cell: "b1cdb95c" },
  { prose: "intercept 0.0409, $\\phi$ = [1.5318, −0.8372]", quoted: "0.0409", output: /ARIMA\(2,1,1\), CSS: intercept ([\d.]+)/, cell: ARIMA },
  { prose: "intercept 0.0409, $\\phi$ = [1.5318, −0.8372]", quoted: "1.5318", output: /CSS: intercept [\d.]+ ppm\/month, phi \[(-?[\d.]+),/, cell: ARIMA },
  { prose: "intercept 0.0409, $\\phi$ = [1.5318, −0.8372]", quoted: "−0.8372", output: /CSS: .*phi \[-?[\d.]+, (-?[\d.]+)\]/, cell: ARIMA },
  { prose: "$\\theta$ = [−0.9008]", quoted: "−0.9008", output: /CSS: .*theta \[(-?[\d.]+)\]/, cell: ARIMA },
  { prose: "= 0.134 ppm/month, or 1.61 ppm/year", quoted: "0.134", output: /mean growth intercept \/ \(1 − Σφ\) = ([\d.]+) ppm\/month/, cell: ARIMA },
  { prose: "= 0.134 ppm/month, or 1.61 ppm/year", quoted: "1.61", output: /ppm\/month = ([\d.]+) ppm\/year/, cell: ARIMA },
  { prose: "differences, 1.62 ppm/year.", quoted: "1.62", output: /^mean growth ([\d.]+) ppm\/year/m, cell: "21f4bccf" },
  { prose: "puts the whole forecast 87.8 ppm too low", quoted: "87.8", output: /from the first value: ([\d.]+) ppm/, cell: "854c545b" },
  { prose: "AR(9) beats AR(2) by\nabout 0.2 nats per year", quoted: "0.2", output: /AR\(9\) − AR\(2\) (-?[\d.]+) nats\/year/, cell: "d00c4273" },
  { prose: "gains about 0.7 nats per month", quoted: "0.7", output: /ARIMA\(12,1,0\) − ARIMA\(2,1,1\) (-?[\d.]+)/, cell: "d00c4273" },
  { prose: "the MA term adds another 0.1", quoted: "0.1", output: /ARIMA\(12,1,1\) − ARIMA\(12,1,0\) (-?[\d.]+)/, cell: "d00c4273" },
];
