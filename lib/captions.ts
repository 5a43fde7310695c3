/**
 * Captions measured from the pixels: every digit gets a sentence ("a thick 7 leaning right",
 * "一个向右倾斜的粗体7") built from its class and two attributes computed from the image with
 * stated formulas, so stage 8 can train text-to-image models on the course's own digits and then
 * check, with the same formulas, whether a generated image is what its prompt asked for.
 * Taught in notebooks/08-text-to-image.ipynb §1.
 *
 *   measureAttributes    thickness, slant and width of each image (formulas below)
 *   fitBuckets           per-class tertiles of thickness and slant on the training digits
 *   bucketize            attributes → words: thin / (medium) / thick, leaning left / (upright) / leaning right
 *   caption              a caption from a spec {digit, thickness, slant} and a template (English or Chinese)
 *   parseCaption         the spec a caption or prompt asks for (the inverse of caption)
 *   CAPTION_VOCAB        the word-level vocabulary of every template; encodeCaption / decodeCaption
 *   HELD_OUT, isHeldOut  attribute combinations removed from training, to test composition
 *
 * The attributes, for an image p(r, c) in [0, 1] with rows r (downwards) and columns c:
 *   ink m = Σ p,  centre (r̄, c̄) = Σ p·(r, c) / m
 *   thickness = 2·m / TV,  TV = Σ |p(r, c) − p(r, c+1)| + Σ |p(r, c) − p(r+1, c)|  (pixels outside are 0)
 *     a stroke of width w and length L has m ≈ w·L and TV ≈ 2·L (two edges), so thickness ≈ w pixels
 *   slant = −μ_rc / μ_rr,  μ_rc = Σ p·(r − r̄)(c − c̄) / m,  μ_rr = Σ p·(r − r̄)² / m
 *     the shear dc/dr of the ink's principal direction: > 0 when the top is right of the bottom
 *     (leaning right); atan(slant) is the angle from upright
 *   width = 2·√(μ_cc − μ_rc²/μ_rr), the horizontal spread once the slant is sheared out
 *
 * Words: per class, the lower third of the training digits' thickness is "thin" and the upper third
 * "thick" (the middle third gets no word); the same for slant with "leaning left" and "leaning right".
 * Per class, because a 1 is thinner than a 0 in ink however it is written: "a thick 1" means thick
 * for a 1. A caption names only what is not ordinary, so "a 7" means a medium, upright 7.
 *
 * Shapes: N images, D = side² pixels.
 */
import * as tf from "@tensorflow/tfjs";
import { assertInt, assertShape } from "./assert";
import { makeRng, type Rng } from "./random";

export type Thickness = "thin" | "medium" | "thick";
export type Slant = "left" | "upright" | "right";
export const THICKNESSES: readonly Thickness[] = ["thin", "medium", "thick"];
export const SLANTS: readonly Slant[] = ["left", "upright", "right"];

/** What a caption says about a digit. */
export interface CaptionSpec {
  digit: number;
  thickness: Thickness;
  slant: Slant;
}

/** The attributes of N images (formulas in the file's header). */
export interface DigitAttributes {
  /** Stroke width in pixels, [N]. */
  thickness: Float32Array;
  /** Shear dc/dr, > 0 leaning right, [N]. */
  slant: Float32Array;
  /** Horizontal spread after removing the slant, in pixels, [N]. */
  width: Float32Array;
}

/**
 * Measures thickness, slant and width of each image (file header).
 * @param images shape [N, D] in [0, 1], D = side²
 */
export function measureAttributes(images: tf.Tensor2D | { data: ArrayLike<number>; n: number }, side?: number): DigitAttributes {
  let data: ArrayLike<number>;
  let n: number;
  let D: number;
  if (images instanceof tf.Tensor) {
    assertShape(images, [null, null], "images", ["N", "D"]);
    [n, D] = images.shape;
    data = images.dataSync();
  } else {
    ({ data, n } = images);
    D = data.length / n;
  }
  const s = side ?? Math.round(Math.sqrt(D));
  if (s * s !== D) throw new Error(`images must be square (D = side²), got D = ${D}${side ? ` for side ${side}` : ""}`);
  const thickness = new Float32Array(n);
  const slant = new Float32Array(n);
  const width = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * D;
    let m = 0;
    let sr = 0;
    let sc = 0;
    let tv = 0;
    for (let r = 0; r < s; r++)
      for (let c = 0; c < s; c++) {
        const p = data[o + r * s + c];
        m += p;
        sr += p * r;
        sc += p * c;
        const right = c + 1 < s ? data[o + r * s + c + 1] : 0;
        const below = r + 1 < s ? data[o + (r + 1) * s + c] : 0;
        tv += Math.abs(p - right) + Math.abs(p - below);
        if (c === 0) tv += p; // the edge to the (zero) pixel left of the image
        if (r === 0) tv += p; // and above it
      }
    if (m <= 1e-6) continue; // a blank image: every attribute 0
    const rBar = sr / m;
    const cBar = sc / m;
    let mrr = 0;
    let mrc = 0;
    let mcc = 0;
    for (let r = 0; r < s; r++)
      for (let c = 0; c < s; c++) {
        const p = data[o + r * s + c];
        mrr += p * (r - rBar) ** 2;
        mrc += p * (r - rBar) * (c - cBar);
        mcc += p * (c - cBar) ** 2;
      }
    mrr /= m;
    mrc /= m;
    mcc /= m;
    thickness[i] = (2 * m) / tv;
    slant[i] = mrr > 1e-9 ? -mrc / mrr : 0;
    width[i] = 2 * Math.sqrt(Math.max(0, mcc - (mrr > 1e-9 ? (mrc * mrc) / mrr : 0)));
  }
  return { thickness, slant, width };
}

/** Per-class thresholds [lower third, upper third] of thickness and of slant. */
export interface AttributeBuckets {
  /** thickness[k] = [t₁, t₂]: thin below t₁, thick above t₂, for class k. */
  thickness: [number, number][];
  slant: [number, number][];
}

function quantile(sorted: number[], q: number): number {
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (x - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The tertiles of thickness and slant within each class (the thresholds between the words).
 * @param attributes of the training digits
 * @param labels their classes 0..9, length N
 */
export function fitBuckets(attributes: DigitAttributes, labels: ArrayLike<number>, classes = 10): AttributeBuckets {
  const n = attributes.thickness.length;
  if (labels.length !== n) throw new Error(`labels must have one class per image (${n}), got ${labels.length}`);
  const cut = (values: Float32Array, k: number): [number, number] => {
    const v = Array.from(values).filter((_, i) => labels[i] === k);
    if (v.length < 3) throw new Error(`class ${k} has ${v.length} images: fitBuckets needs at least 3 per class`);
    v.sort((a, b) => a - b);
    return [quantile(v, 1 / 3), quantile(v, 2 / 3)];
  };
  const ks = Array.from({ length: classes }, (_, k) => k);
  return { thickness: ks.map((k) => cut(attributes.thickness, k)), slant: ks.map((k) => cut(attributes.slant, k)) };
}

/** The words of each image: its thickness and slant bucket within class labels[i]. */
export function bucketize(
  attributes: DigitAttributes,
  labels: ArrayLike<number>,
  buckets: AttributeBuckets,
): { thickness: Thickness[]; slant: Slant[] } {
  const n = attributes.thickness.length;
  if (labels.length !== n) throw new Error(`labels must have one class per image (${n}), got ${labels.length}`);
  const thickness: Thickness[] = [];
  const slant: Slant[] = [];
  for (let i = 0; i < n; i++) {
    const k = labels[i];
    if (!buckets.thickness[k]) throw new Error(`labels[${i}] = ${k} is not a class the buckets were fitted on`);
    const [t1, t2] = buckets.thickness[k];
    const [s1, s2] = buckets.slant[k];
    const t = attributes.thickness[i];
    const s = attributes.slant[i];
    thickness.push(t < t1 ? "thin" : t > t2 ? "thick" : "medium");
    slant.push(s < s1 ? "left" : s > s2 ? "right" : "upright");
  }
  return { thickness, slant };
}

// ---------------------------------------------------------------------------------------------
// Templates and the vocabulary
// ---------------------------------------------------------------------------------------------

const DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const DIGIT_ZH = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
const THICK_EN: Record<Thickness, string> = { thin: "thin", medium: "", thick: "thick" };
const SLANT_EN: Record<Slant, string> = { left: "leaning left", upright: "", right: "leaning right" };
const THICK_ZH: Record<Thickness, string> = { thin: "细体", medium: "", thick: "粗体" };
const SLANT_ZH: Record<Slant, string> = { left: "向左倾斜", upright: "", right: "向右倾斜" };

const join = (...parts: string[]) => parts.filter((p) => p !== "").join(" ");
// "an eight", "a thick eight"
const article = (s: CaptionSpec) => (s.thickness === "medium" && s.digit === 8 ? "an" : "a");

/**
 * The caption templates: three English, two Chinese. Each names the class and only the attributes
 * that are not ordinary (medium thickness and upright get no word).
 */
export const TEMPLATES: readonly { language: "en" | "zh"; write(spec: CaptionSpec): string }[] = [
  { language: "en", write: (s) => join("a", THICK_EN[s.thickness], String(s.digit), SLANT_EN[s.slant]) }, // a thick 7 leaning right
  { language: "en", write: (s) => join(article(s), THICK_EN[s.thickness], DIGIT_WORDS[s.digit], SLANT_EN[s.slant]) }, // a thick seven leaning right
  { language: "en", write: (s) => join(THICK_EN[s.thickness], "digit", String(s.digit), SLANT_EN[s.slant]) }, // thick digit 7 leaning right
  { language: "zh", write: (s) => "一个" + (SLANT_ZH[s.slant] ? SLANT_ZH[s.slant] + "的" : "") + THICK_ZH[s.thickness] + String(s.digit) }, // 一个向右倾斜的粗体7
  {
    language: "zh",
    write: (s) => "一个" + THICK_ZH[s.thickness] + (SLANT_ZH[s.slant] ? SLANT_ZH[s.slant] + "的" : "") + "数字" + DIGIT_ZH[s.digit],
  }, // 一个粗体向右倾斜的数字七
];

/** A caption of `spec` with template `template` (an index into TEMPLATES, default 0). */
export function caption(spec: CaptionSpec, template = 0): string {
  assertInt(spec.digit, "spec.digit", 0, 9);
  if (!THICKNESSES.includes(spec.thickness))
    throw new Error(`spec.thickness must be one of ${THICKNESSES.join(", ")}, got ${spec.thickness}`);
  if (!SLANTS.includes(spec.slant)) throw new Error(`spec.slant must be one of ${SLANTS.join(", ")}, got ${spec.slant}`);
  assertInt(template, "template", 0, TEMPLATES.length - 1);
  return TEMPLATES[template].write(spec);
}

/** Id 0 pads a caption to CAPTION_LENGTH tokens. */
export const CAPTION_PAD = 0;
/** Captions are CAPTION_LENGTH tokens long, padded (the longest template writes 6). */
export const CAPTION_LENGTH = 6;

/** The word-level vocabulary of captions: the pad, then every word any template writes. */
export const CAPTION_VOCAB: readonly string[] = [
  "<pad>",
  "a",
  "an",
  "digit",
  "thin",
  "thick",
  "leaning",
  "left",
  "right",
  ...Array.from({ length: 10 }, (_, k) => String(k)),
  ...DIGIT_WORDS,
  "一个",
  "的",
  "数字",
  "细体",
  "粗体",
  "向左倾斜",
  "向右倾斜",
  ...DIGIT_ZH,
];

const WORD_ID = new Map(CAPTION_VOCAB.map((w, i) => [w, i]));
// Longest first, so "向左倾斜" is read before any shorter word that starts it.
const BY_LENGTH = CAPTION_VOCAB.slice(1).sort((a, b) => b.length - a.length);
const isLatin = (ch: string) => /[a-z0-9]/.test(ch);

/**
 * Splits a caption or prompt into known words: English by spaces and punctuation, Chinese by
 * longest match (no spaces needed). Throws on a word it does not know, naming it.
 */
export function tokenizeCaption(text: string): string[] {
  const s = text.toLowerCase().trim();
  const words: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (/[\s,.，。!?;:'"、]/.test(s[i])) {
      i++;
      continue;
    }
    const word = BY_LENGTH.find(
      (w) => s.startsWith(w, i) && !(isLatin(w[w.length - 1]) && isLatin(s[i + w.length] ?? " ") && !/[0-9]/.test(w)),
    );
    if (!word) {
      const rest = s.slice(i).match(/^[a-z]+|^./)![0];
      throw new Error(`unknown word "${rest}" in the prompt "${text}": the captions use only ${CAPTION_VOCAB.slice(1).join(" ")}`);
    }
    words.push(word);
    i += word.length;
  }
  return words;
}

/** Token ids of a caption, padded with CAPTION_PAD to `length` (throws if it is longer). */
export function encodeCaption(text: string, length = CAPTION_LENGTH): number[] {
  const ids = tokenizeCaption(text).map((w) => WORD_ID.get(w)!);
  if (ids.length > length) throw new Error(`the prompt "${text}" has ${ids.length} words; at most ${length} fit`);
  return [...ids, ...new Array<number>(length - ids.length).fill(CAPTION_PAD)];
}

/** The words of token ids (pads dropped), joined by spaces. */
export function decodeCaption(ids: ArrayLike<number>): string {
  return Array.from(ids)
    .filter((id) => id !== CAPTION_PAD)
    .map((id) => CAPTION_VOCAB[id] ?? `<${id}?>`)
    .join(" ");
}

/**
 * What a caption or prompt asks for: the digit (as a numeral, an English word or a Chinese
 * numeral), the thickness and the slant (medium and upright when unnamed). Throws when no digit
 * is named or two are.
 */
export function parseCaption(text: string): CaptionSpec {
  const words = tokenizeCaption(text);
  const digits = new Set<number>();
  let thickness: Thickness = "medium";
  let slant: Slant = "upright";
  words.forEach((w, i) => {
    const k = [/^[0-9]$/.test(w) ? Number(w) : -1, DIGIT_WORDS.indexOf(w), DIGIT_ZH.indexOf(w)].find((d) => d >= 0);
    if (k !== undefined) digits.add(k);
    if (w === "thin" || w === "细体") thickness = "thin";
    if (w === "thick" || w === "粗体") thickness = "thick";
    if ((w === "left" && words[i - 1] === "leaning") || w === "向左倾斜") slant = "left";
    if ((w === "right" && words[i - 1] === "leaning") || w === "向右倾斜") slant = "right";
  });
  if (digits.size !== 1) throw new Error(`the prompt "${text}" must name exactly one digit, it names ${digits.size}`);
  return { digit: [...digits][0], thickness, slant };
}

// ---------------------------------------------------------------------------------------------
// Held-out combinations and the caption of every training digit
// ---------------------------------------------------------------------------------------------

/** Combinations never shown in training (a field left out matches every value). */
export const HELD_OUT: readonly Partial<CaptionSpec>[] = [
  { digit: 0, thickness: "thin" }, // "a thin 0", every slant
  { digit: 1, thickness: "thick", slant: "left" }, // "a thick 1 leaning left"
  { digit: 7, thickness: "thin", slant: "right" }, // "a thin 7 leaning right"
];

/** True when `spec` matches one of `heldOut` (default HELD_OUT). */
export function isHeldOut(spec: CaptionSpec, heldOut: readonly Partial<CaptionSpec>[] = HELD_OUT): boolean {
  return heldOut.some(
    (h) =>
      (h.digit === undefined || h.digit === spec.digit) &&
      (h.thickness === undefined || h.thickness === spec.thickness) &&
      (h.slant === undefined || h.slant === spec.slant),
  );
}

/** Each image's spec: its label and its buckets. */
export function captionSpecs(labels: ArrayLike<number>, words: { thickness: Thickness[]; slant: Slant[] }): CaptionSpec[] {
  return Array.from(labels, (digit, i) => ({ digit, thickness: words.thickness[i], slant: words.slant[i] }));
}

/**
 * Caption token ids for a batch of specs, each with a template drawn from `rng`
 * (every template equally likely), as an int32 tensor.
 * @returns int32 shape [N, CAPTION_LENGTH]
 */
export function captionBatch(
  specs: readonly CaptionSpec[],
  rng: Rng = makeRng(0),
  templates: readonly number[] = TEMPLATES.map((_, i) => i),
): tf.Tensor2D {
  const ids = specs.flatMap((s) => encodeCaption(caption(s, templates[Math.floor(rng() * templates.length)])));
  return tf.tensor2d(ids, [specs.length, CAPTION_LENGTH], "int32");
}

/**
 * A caption as one vector: the average of its words' one-hot vectors (pads skipped), the pooled
 * "bag of words" a diffusion model can take as its condition (a learned linear map of it is the
 * mean of learned word embeddings). Word order is lost: "a thick 7" and "7 thick a" are one vector.
 * @param ids int32 shape [N, L]
 * @returns shape [N, V], V = CAPTION_VOCAB.length; each row sums to 1 (0 for an all-pad row)
 */
export function captionBag(ids: tf.Tensor2D): tf.Tensor2D {
  assertShape(ids, [null, null], "ids", ["N", "L"]);
  const V = CAPTION_VOCAB.length;
  return tf.tidy(() => {
    // An int oneHot cast to float: wasm's float oneHot returns ~1e-45 for 1.
    const hot = tf.oneHot(ids.toInt(), V).toFloat(); // [N, L, V]
    const words = tf.sum(hot, 1).mul(
      tf
        .oneHot(tf.fill([1], CAPTION_PAD, "int32"), V)
        .toFloat()
        .neg()
        .add(1),
    ); // [N, V], pads zeroed
    const count = tf.maximum(tf.sum(words, 1, true), 1); // [N, 1]
    return tf.div(words, count) as tf.Tensor2D;
  });
}

/** The captions of a set of digits: the buckets (fitted on these digits unless given), each one's spec, the indices not held out. */
export interface CaptionedDigits {
  buckets: AttributeBuckets;
  attributes: DigitAttributes;
  specs: CaptionSpec[];
  /** Indices of the digits whose spec is not held out (what stage 8's models train on). */
  seen: number[];
}

/**
 * Measures, buckets and captions a set of digits.
 * @param images shape [N, D] in [0, 1]
 * @param labels classes, length N
 * @param buckets thresholds to use (default: fitted on these digits, as for the training split)
 */
export function captionDigits(images: tf.Tensor2D, labels: ArrayLike<number>, buckets?: AttributeBuckets): CaptionedDigits {
  const attributes = measureAttributes(images);
  const fitted = buckets ?? fitBuckets(attributes, labels);
  const specs = captionSpecs(labels, bucketize(attributes, labels, fitted));
  const seen = specs.flatMap((s, i) => (isHeldOut(s) ? [] : [i]));
  return { buckets: fitted, attributes, specs, seen };
}

/** How often images are what their prompts asked for (see {@link promptFidelity}). */
export interface PromptFidelity {
  n: number;
  /** Share whose judged class is the prompted digit. */
  classRate: number;
  /** Share whose measured thickness bucket is the prompted one. */
  thicknessRate: number;
  /** Share whose measured slant bucket is the prompted one. */
  slantRate: number;
  /** Share right on all three. */
  allRate: number;
}

/**
 * Measures images against their prompts with the caption formulas: thickness and slant are
 * bucketed with the prompted digit's thresholds, the class comes from a judge (the course's digit
 * classifier), given as `predicted`.
 * @param images shape [N, D] in [0, 1]
 * @param specs what each image was asked to be, length N
 * @param predicted the judge's class of each image, length N
 */
export function promptFidelity(
  images: tf.Tensor2D,
  specs: readonly CaptionSpec[],
  predicted: ArrayLike<number>,
  buckets: AttributeBuckets,
): PromptFidelity {
  const n = images.shape[0];
  if (specs.length !== n) throw new Error(`specs must have one prompt per image (${n}), got ${specs.length}`);
  if (predicted.length !== n) throw new Error(`predicted must have one class per image (${n}), got ${predicted.length}`);
  const words = bucketize(
    measureAttributes(images),
    specs.map((s) => s.digit),
    buckets,
  );
  let c = 0;
  let t = 0;
  let s = 0;
  let all = 0;
  specs.forEach((spec, i) => {
    const okC = predicted[i] === spec.digit;
    const okT = words.thickness[i] === spec.thickness;
    const okS = words.slant[i] === spec.slant;
    c += +okC;
    t += +okT;
    s += +okS;
    all += +(okC && okT && okS);
  });
  return { n, classRate: c / n, thicknessRate: t / n, slantRate: s / n, allRate: all / n };
}

/** Every (digit, thickness, slant): 10 × 3 × 3 = 90 specs, digit-major. */
export const ALL_SPECS: readonly CaptionSpec[] = Array.from({ length: 10 }, (_, digit) =>
  THICKNESSES.flatMap((thickness) => SLANTS.map((slant) => ({ digit, thickness, slant }))),
).flat();
