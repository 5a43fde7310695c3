/**
 * vitest setupFiles entry of the lib projects: every lib test file runs on the backend named by
 * GENAI_BACKEND (vitest.config.mts), selected once before its tests.
 */
import { beforeAll } from "vitest";
import { selectBackend } from "../../lib/engine/backend";

beforeAll(async () => {
  await selectBackend({ quiet: true });
});
