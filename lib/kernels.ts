/**
 * Kernels the fallback backends lack or run slowly, registered once per backend.
 * (Placeholder: filled in by the performance work.)
 */
const done = new Set<string>();

/** Registers the course's kernel fixes for the tfjs backend `tfjsName` (idempotent). */
export function registerCourseKernels(tfjsName: string): void {
  if (done.has(tfjsName)) return;
  done.add(tfjsName);
}
