/** ∂f/∂v_i by central differences, (f(v + h·e_i) − f(v − h·e_i)) / 2h, for the gradient checks. */
export function centralDifference(f: (v: Float32Array) => number, base: ArrayLike<number>, i: number, h = 1e-2): number {
  const at = (d: number) => {
    const v = Float32Array.from(base);
    v[i] += d;
    return f(v);
  };
  return (at(h) - at(-h)) / (2 * h);
}
