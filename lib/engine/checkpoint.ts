/**
 * Checkpoints: model weights saved to and loaded from disk on every backend.
 *
 * Pure tfjs (the wasm and cpu backends) has no `file://` handler; tfjs-node has one, but the
 * course cannot rely on it. `fileIO(dir)` is a tf.io.IOHandler writing the standard tfjs
 * layout (`model.json` + `weights.bin`), usable with `model.save(fileIO(dir))` and
 * `tf.loadLayersModel(fileIO(dir))`. `saveTensors`/`loadTensors` do the same for a plain map of
 * named tensors (hand-written models keep their weights as tf.Variables).
 *
 * Writes are atomic: each file is written under a temporary name and renamed into place, so
 * an interrupted save never leaves a half-written checkpoint behind.
 */
import * as tf from "@tensorflow/tfjs";
import fs from "node:fs";
import path from "node:path";

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

/** Writes `data` to `file` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/**
 * A tf.io.IOHandler that saves to / loads from the folder `dir` (created when saving).
 * Weights go to `weights.bin` first and `model.json` last, so `model.json` only ever points at
 * complete weights.
 */
export function fileIO(dir: string): tf.io.IOHandler {
  if (typeof dir !== "string" || dir === "") throw new Error("fileIO: dir must be a non-empty folder path");
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData ? concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]) : new ArrayBuffer(0);
      const manifest = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(manifest));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: manifest.modelTopology ? JSON.stringify(manifest.modelTopology).length : 0,
          weightSpecsBytes: JSON.stringify(manifest.weightsManifest).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = path.join(dir, MODEL_JSON);
      if (!fs.existsSync(jsonFile)) throw new Error(`fileIO: no checkpoint in ${dir} (missing ${MODEL_JSON})`);
      const manifest = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
      const group = manifest.weightsManifest?.[0];
      if (!group) throw new Error(`fileIO: ${jsonFile} has no weightsManifest`);
      const bytes = fs.readFileSync(path.join(dir, group.paths[0]));
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return {
        format: manifest.format,
        generatedBy: manifest.generatedBy,
        convertedBy: manifest.convertedBy,
        modelTopology: manifest.modelTopology,
        trainingConfig: manifest.trainingConfig,
        userDefinedMetadata: manifest.userDefinedMetadata,
        weightSpecs: group.weights,
        weightData,
      };
    },
  };
}

/**
 * Saves named tensors (e.g. a hand-written model's variables) to the folder `dir`.
 * @param tensors name → tensor, any shapes and dtypes
 */
export async function saveTensors(dir: string, tensors: Record<string, tf.Tensor>): Promise<void> {
  const names = Object.keys(tensors);
  if (names.length === 0) throw new Error("saveTensors: tensors is empty; nothing to save");
  for (const n of names) {
    if (!(tensors[n] instanceof tf.Tensor)) throw new Error(`saveTensors: tensors["${n}"] is not a tf.Tensor`);
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await fileIO(dir).save!({ weightSpecs: specs, weightData: data, format: "genai-tensors" });
}

/** Loads the tensors saved by `saveTensors` (the caller owns and disposes them). */
export async function loadTensors(dir: string): Promise<Record<string, tf.Tensor>> {
  const artifacts = await fileIO(dir).load!();
  return tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
}

/** Copies saved values into existing variables, checking that names and shapes match. */
export async function restoreVariables(dir: string, variables: Record<string, tf.Variable>): Promise<void> {
  const loaded = await loadTensors(dir);
  try {
    for (const [name, v] of Object.entries(variables)) {
      const t = loaded[name];
      if (!t) throw new Error(`restoreVariables: checkpoint ${dir} has no tensor "${name}"`);
      if (t.shape.join(",") !== v.shape.join(",")) {
        throw new Error(`restoreVariables: "${name}" has shape [${t.shape}] in ${dir}, but the variable has shape [${v.shape}]`);
      }
      v.assign(t);
    }
  } finally {
    tf.dispose(Object.values(loaded));
  }
}
