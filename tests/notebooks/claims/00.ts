// Notebook 00's numbers in prose, tied to the outputs that print them (see tests/notebooks/claims.ts).
import type { Claim } from "../claims";

export const claims: Claim[] = [
  { prose: "(μ₁ comes out 1.017 for 1, Σ₁₂ 0.810 for 0.8)", quoted: "1.017", output: /μ₁ 1\.000 (-?[\d.]+)/, cell: "b5a2052e" },
  { prose: "(μ₁ comes out 1.017 for 1, Σ₁₂ 0.810 for 0.8)", quoted: "0.810", output: /Σ₁₂ 0\.800 (-?[\d.]+)/, cell: "b5a2052e" },
  { prose: "lands on w = 2.00 and b = 1.01", quoted: "2.00", output: /w = (-?[\d.]+) \(true 2\)/, cell: "d2496fff" },
  { prose: "lands on w = 2.00 and b = 1.01", quoted: "1.01", output: /b = (-?[\d.]+) \(true 1\)/, cell: "d2496fff" },
];
