// lib/captions.ts: the attribute formulas on synthetic strokes whose thickness, slant and width
// are worked out by hand, the tertiles and their boundaries, every template's exact words, the
// tokenizer and its errors, parseCaption as caption's inverse, held-out combinations, the bag of
// words, batches, captioning a set of digits, prompt fidelity on a hand-made case, and leaks.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import {
  ALL_SPECS,
  CAPTION_LENGTH,
  CAPTION_PAD,
  CAPTION_VOCAB,
  HELD_OUT,
  TEMPLATES,
  bucketize,
  caption,
  captionBag,
  captionBatch,
  captionDigits,
  decodeCaption,
  encodeCaption,
  fitBuckets,
  isHeldOut,
  measureAttributes,
  parseCaption,
  promptFidelity,
  tokenizeCaption,
  type AttributeBuckets,
  type CaptionSpec,
  type DigitAttributes,
} from "../../lib/captions";
import { makeRng } from "../../lib/random";
import { expectClose } from "../helpers/close";
import { expectNoLeak } from "../helpers/leak";

const SIDE = 28;
const TOP = 4; // the strokes below fill rows TOP .. TOP + LENGTH − 1
const LENGTH = 20;

/**
 * A stroke of `w` columns in each of LENGTH rows, its left edge at column `left` in the bottom row.
 * lean = +1 moves the row one column right every 2 rows upwards (top to the right), −1 to the left,
 * 0 is upright. Returns the flattened side × side image.
 */
function stroke(w: number, left: number, lean: -1 | 0 | 1 = 0, side = SIDE): Float32Array {
  const img = new Float32Array(side * side);
  const bottom = TOP + LENGTH - 1;
  for (let r = TOP; r <= bottom; r++) {
    const shift = lean * Math.floor((bottom - r) / 2); // u = bottom − r rows above the bottom
    for (let j = 0; j < w; j++) img[r * side + left + shift + j] = 1;
  }
  return img;
}

/** The image reflected left to right (column c → side − 1 − c). */
function mirror(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length);
  for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) out[r * SIDE + (SIDE - 1 - c)] = img[r * SIDE + c];
  return out;
}

function images(...rows: Float32Array[]): tf.Tensor2D {
  const D = rows[0].length;
  const flat = new Float32Array(rows.length * D);
  rows.forEach((r, i) => flat.set(r, i * D));
  return tf.tensor2d(flat, [rows.length, D]);
}

/** The same thresholds for every class: thin below 1.2, thick above 2.2; left below −0.25, right above 0.25. */
function flatBuckets(): AttributeBuckets {
  return {
    thickness: Array.from({ length: 10 }, () => [1.2, 2.2] as [number, number]),
    slant: Array.from({ length: 10 }, () => [-0.25, 0.25] as [number, number]),
  };
}

// Worked by hand for the strokes above (L = LENGTH = 20 rows):
//   upright, w columns:  m = wL, TV = 2L (left and right edges) + 2w (top and bottom) → thickness = wL/(L + w)
//                        slant 0, width = 2·√((w² − 1)/12) (the variance of w consecutive columns)
//   leaning (±1 per 2 rows): each row's column is c₀ ± ⌊u/2⌋, u = 0..19 rows above the bottom; the
//     within-row spread does not correlate with r, so μ_rc = ∓cov(u, ⌊u/2⌋) and μ_rr = var(u):
//     var(u) = (20² − 1)/12 = 33.25; ⌊u/2⌋ = (u − u mod 2)/2 and cov(u, u mod 2) = 5 − 9.5·0.5 = 0.25,
//     so cov(u, ⌊u/2⌋) = (33.25 − 0.25)/2 = 16.5 and slant = ±16.5/33.25 = ±66/133.
//     var(⌊u/2⌋) = (10² − 1)/12 = 8.25 (0..9, twice each), so the sheared-out spread is
//     μ_cc − μ_rc²/μ_rr = 8.25 + (w² − 1)/12 − 16.5²/33.25 = (w² − 1)/12 + 2.0625/33.25.
//     TV: 2L side edges, 2w top and bottom, and 2 at each of the 9 steps: TV = 2L + 2w + 18.
const SLANT = 66 / 133;

describe("measureAttributes", () => {
  it("an upright bar: thickness wL/(L + w) ≈ w, slant 0, width 2√((w² − 1)/12)", () => {
    const x = images(stroke(1, 10), stroke(2, 10), stroke(3, 10));
    const a = expectNoLeak(() => measureAttributes(x));
    const L = LENGTH;
    expectClose(a.thickness, [L / (L + 1), (2 * L) / (L + 2), (3 * L) / (L + 3)]); // 0.952, 1.818, 2.609
    expectClose(a.slant, [0, 0, 0]);
    expectClose(a.width, [0, 1, 2 * Math.sqrt(8 / 12)]);
    x.dispose();
  });

  it("a bar touching the image's edges has the same TV: the pixels outside count as 0", () => {
    const corner = new Float32Array(SIDE * SIDE);
    for (let r = 0; r < LENGTH; r++) for (let c = 0; c < 2; c++) corner[r * SIDE + c] = 1; // rows 0..19, columns 0..1
    const right = new Float32Array(SIDE * SIDE);
    for (let r = SIDE - LENGTH; r < SIDE; r++) for (let c = SIDE - 2; c < SIDE; c++) right[r * SIDE + c] = 1;
    const x = images(corner, right);
    expectClose(measureAttributes(x).thickness, [40 / 22, 40 / 22]);
    x.dispose();
  });

  it("a bar whose top is to the right has slant +66/133 ≈ 0.5; its mirror image −66/133", () => {
    const x = images(stroke(2, 8, 1), mirror(stroke(2, 8, 1)), stroke(2, 18, -1), stroke(1, 8, 1));
    const a = measureAttributes(x);
    expectClose(a.slant, [SLANT, -SLANT, -SLANT, SLANT]);
    expect(SLANT).toBeCloseTo(0.5, 1);
    // thickness 2·wL/(2L + 2w + 18): the staircase's steps are edges too
    expectClose(a.thickness, [80 / 62, 80 / 62, 80 / 62, 40 / 60]);
    // the shear is taken out of the width: the stairs leave 2.0625/33.25 of spread
    const spread = (w: number) => 2 * Math.sqrt((w * w - 1) / 12 + 2.0625 / 33.25);
    expectClose(a.width, [spread(2), spread(2), spread(2), spread(1)], { rtol: 1e-5, atol: 1e-5 });
    x.dispose();
  });

  it("thickness does not change when the ink is fainter; slant and width neither", () => {
    const faint = stroke(2, 8, 1).map((p) => 0.5 * p);
    const x = images(stroke(2, 8, 1), faint);
    const a = measureAttributes(x);
    expectClose(a.thickness[1], a.thickness[0]);
    expectClose(a.slant[1], a.slant[0]);
    expectClose(a.width[1], a.width[0]);
    x.dispose();
  });

  it("edge cases: a blank image gives zeros, a single pixel and a horizontal line have no slant", () => {
    const blank = new Float32Array(SIDE * SIDE);
    const dot = new Float32Array(SIDE * SIDE);
    dot[5 * SIDE + 5] = 1;
    const line = new Float32Array(SIDE * SIDE);
    for (let c = 3; c < 8; c++) line[10 * SIDE + c] = 1; // 5 columns in one row
    const x = images(blank, dot, line);
    const a = measureAttributes(x);
    // dot: m = 1, TV = 4; line: m = 5, TV = 2·5 + 2; its width is 2·√((5² − 1)/12) = 2√2
    expectClose(a.thickness, [0, 0.5, 10 / 12]);
    expectClose(a.slant, [0, 0, 0]);
    expectClose(a.width, [0, 0, 2 * Math.SQRT2]);
    x.dispose();
  });

  it("reads plain arrays with an explicit side, and rejects images that are not square", () => {
    const img = stroke(2, 2, 0, 24); // rows 4..23 of a 24 × 24 image
    const a = measureAttributes({ data: img, n: 1 }, 24);
    expectClose(a.thickness, [40 / 22]);
    const wide = tf.zeros([2, 30]) as tf.Tensor2D;
    expect(() => measureAttributes(wide)).toThrow(/square.*D = 30/);
    expect(() => measureAttributes({ data: new Float32Array(50), n: 2 }, 4)).toThrow(/D = 25 for side 4/);
    wide.dispose();
  });
});

describe("fitBuckets and bucketize", () => {
  // Class 0: 1, 2, 3, 4 → positions (n − 1)/3 = 1 and 2 → [2, 3].
  // Class 1: 1..5 → positions 4/3 and 8/3 → [2 + 1/3, 3 + 2/3] (linear interpolation).
  const attributes: DigitAttributes = {
    thickness: Float32Array.from([4, 1, 3, 2, 5, 1, 4, 2, 3]),
    slant: Float32Array.from([-0.4, 0, 0.4, 0.1, 0.6, 0, 0.3, -0.3, 0.9]),
    width: new Float32Array(9),
  };
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1];

  it("the tertiles of each class, interpolated between order statistics", () => {
    const b = fitBuckets(attributes, labels, 2);
    expectClose(b.thickness[0], [2, 3]);
    expectClose(b.thickness[1], [2 + 1 / 3, 3 + 2 / 3], { rtol: 1e-6 });
    // slant, class 0 sorted: −0.4, 0, 0.1, 0.4 → [0, 0.1]; class 1: −0.3, 0, 0.3, 0.6, 0.9 → [0 + 0.3/3, 0.3 + 0.6/3]
    expectClose(b.slant[0], [0, 0.1], { rtol: 1e-6 });
    expectClose(b.slant[1], [0.1, 0.5], { rtol: 1e-6 });
  });

  it("bucketize: strictly below t₁ is thin, strictly above t₂ thick, the thresholds themselves medium", () => {
    // thresholds and values exact in float32
    const buckets: AttributeBuckets = { thickness: [[2, 3]], slant: [[-0.125, 0.125]] };
    const a = {
      thickness: Float32Array.from([1.75, 2, 2.5, 3, 3.25]),
      slant: Float32Array.from([-0.25, -0.125, 0, 0.125, 0.25]),
      width: new Float32Array(5),
    };
    const words = bucketize(a, [0, 0, 0, 0, 0], buckets);
    expect(words.thickness).toEqual(["thin", "medium", "medium", "medium", "thick"]);
    expect(words.slant).toEqual(["left", "upright", "upright", "upright", "right"]);
  });

  it("uses the thresholds of each image's own class", () => {
    const buckets: AttributeBuckets = {
      thickness: [
        [1, 2],
        [3, 4],
      ],
      slant: [
        [0, 0],
        [0, 0],
      ],
    };
    const a = { thickness: Float32Array.from([2.5, 2.5]), slant: Float32Array.from([0, 0]), width: new Float32Array(2) };
    expect(bucketize(a, [0, 1], buckets).thickness).toEqual(["thick", "thin"]);
  });

  it("says what was wrong", () => {
    expect(() => fitBuckets(attributes, [0, 0], 2)).toThrow(/one class per image \(9\), got 2/);
    expect(() => fitBuckets(attributes, labels, 3)).toThrow(/class 2 has 0 images/);
    expect(() =>
      bucketize(
        attributes,
        labels.map(() => 7),
        fitBuckets(attributes, labels, 2),
      ),
    ).toThrow(/labels\[0\] = 7/);
    expect(() => bucketize(attributes, [0], fitBuckets(attributes, labels, 2))).toThrow(/one class per image/);
  });
});

describe("caption", () => {
  it("writes every template for a thick 7 leaning right", () => {
    const spec: CaptionSpec = { digit: 7, thickness: "thick", slant: "right" };
    expect(TEMPLATES.map((_, i) => caption(spec, i))).toEqual([
      "a thick 7 leaning right",
      "a thick seven leaning right",
      "thick digit 7 leaning right",
      "一个向右倾斜的粗体7",
      "一个粗体向右倾斜的数字七",
    ]);
    expect(caption(spec)).toBe("a thick 7 leaning right"); // template 0 by default
    expect(TEMPLATES.map((t) => t.language)).toEqual(["en", "en", "en", "zh", "zh"]);
  });

  it("names only what is not ordinary: medium and upright get no word", () => {
    const eight: CaptionSpec = { digit: 8, thickness: "medium", slant: "upright" };
    expect([1, 2, 3, 4].map((i) => caption(eight, i))).toEqual(["an eight", "digit 8", "一个8", "一个数字八"]);
    expect(caption({ digit: 8, thickness: "thin", slant: "upright" }, 1)).toBe("a thin eight");
    expect(caption({ digit: 8, thickness: "medium", slant: "left" }, 1)).toBe("an eight leaning left");
    const zero: CaptionSpec = { digit: 0, thickness: "thin", slant: "left" };
    expect(TEMPLATES.map((_, i) => caption(zero, i))).toEqual([
      "a thin 0 leaning left",
      "a thin zero leaning left",
      "thin digit 0 leaning left",
      "一个向左倾斜的细体0",
      "一个细体向左倾斜的数字零",
    ]);
    const one: CaptionSpec = { digit: 1, thickness: "medium", slant: "right" };
    expect([0, 3, 4].map((i) => caption(one, i))).toEqual(["a 1 leaning right", "一个向右倾斜的1", "一个向右倾斜的数字一"]);
  });

  it("rejects a spec or template it cannot write", () => {
    expect(() => caption({ digit: 10, thickness: "thin", slant: "left" })).toThrow(/spec\.digit/);
    expect(() => caption({ digit: 3, thickness: "fat" as never, slant: "left" })).toThrow(/spec\.thickness .*got fat/);
    expect(() => caption({ digit: 3, thickness: "thin", slant: "down" as never })).toThrow(/spec\.slant .*got down/);
    expect(() => caption({ digit: 3, thickness: "thin", slant: "left" }, TEMPLATES.length)).toThrow(/template/);
  });
});

describe("tokenizeCaption, encodeCaption, decodeCaption", () => {
  it("splits English by spaces and punctuation, Chinese by longest match without spaces", () => {
    expect(tokenizeCaption("A Thick 7, leaning right.")).toEqual(["a", "thick", "7", "leaning", "right"]);
    expect(tokenizeCaption("一个向右倾斜的粗体7")).toEqual(["一个", "向右倾斜", "的", "粗体", "7"]);
    expect(tokenizeCaption("一个粗体向右倾斜的数字七")).toEqual(["一个", "粗体", "向右倾斜", "的", "数字", "七"]);
    expect(tokenizeCaption("一个数字一")).toEqual(["一个", "数字", "一"]); // "一个" before "一"
    expect(tokenizeCaption("an eight")).toEqual(["an", "eight"]);
    expect(tokenizeCaption("")).toEqual([]);
  });

  it("the vocabulary: the pad at id 0, each word once, and the longest caption is CAPTION_LENGTH words", () => {
    expect(CAPTION_VOCAB[CAPTION_PAD]).toBe("<pad>");
    expect(new Set(CAPTION_VOCAB).size).toBe(CAPTION_VOCAB.length);
    // 8 English words, 10 numerals, 10 number words, 7 Chinese words, 10 Chinese numerals
    expect(CAPTION_VOCAB.length).toBe(1 + 8 + 10 + 10 + 7 + 10);
    const lengths = ALL_SPECS.flatMap((s) => TEMPLATES.map((_, i) => tokenizeCaption(caption(s, i)).length));
    expect(Math.max(...lengths)).toBe(CAPTION_LENGTH);
  });

  it("encodes to padded ids worked out from the vocabulary's order, and decodes back", () => {
    // a = 1, thick = 5, leaning = 6, right = 8, "7" = 9 + 7 = 16
    expect(encodeCaption("a thick 7 leaning right")).toEqual([1, 5, 16, 6, 8, 0]);
    expect(encodeCaption("a 7", 3)).toEqual([1, 16, 0]);
    expect(decodeCaption([1, 5, 16, 6, 8, 0])).toBe("a thick 7 leaning right");
    expect(decodeCaption([0, 1, 0, 16])).toBe("a 7"); // pads dropped wherever they are
    expect(decodeCaption([99])).toBe("<99?>");
  });

  it("round trips every caption: English exactly, Chinese as its words", () => {
    for (const spec of ALL_SPECS) {
      TEMPLATES.forEach((t, i) => {
        const text = caption(spec, i);
        const ids = encodeCaption(text);
        expect(ids).toHaveLength(CAPTION_LENGTH);
        const back = decodeCaption(ids);
        if (t.language === "en") expect(back).toBe(text);
        else expect(back.replaceAll(" ", "")).toBe(text);
        expect(encodeCaption(back)).toEqual(ids);
      });
    }
  });

  it("names an unknown word, and says when a prompt is too long", () => {
    expect(() => tokenizeCaption("a thick cat")).toThrow(/unknown word "cat" in the prompt "a thick cat"/);
    expect(() => tokenizeCaption("seventeen")).toThrow(/unknown word "seventeen"/); // not "seven" + "teen"
    expect(() => tokenizeCaption("一只猫")).toThrow(/unknown word "只"/);
    expect(() => encodeCaption("a thick 7 leaning right a thick")).toThrow(/has 7 words; at most 6 fit/);
    expect(() => encodeCaption("a thick 7", 2)).toThrow(/has 3 words; at most 2 fit/);
  });
});

describe("parseCaption", () => {
  it("is the inverse of caption for every spec and every template", () => {
    expect(ALL_SPECS).toHaveLength(90);
    expect(new Set(ALL_SPECS.map((s) => `${s.digit} ${s.thickness} ${s.slant}`)).size).toBe(90);
    for (const spec of ALL_SPECS) TEMPLATES.forEach((_, i) => expect(parseCaption(caption(spec, i)), caption(spec, i)).toEqual(spec));
  });

  it("reads prompts that are not captions, and rejects none or two digits", () => {
    expect(parseCaption("Thick seven, leaning left!")).toEqual({ digit: 7, thickness: "thick", slant: "left" });
    expect(parseCaption("七")).toEqual({ digit: 7, thickness: "medium", slant: "upright" });
    expect(parseCaption("a 7 right")).toEqual({ digit: 7, thickness: "medium", slant: "upright" }); // "right" needs "leaning"
    expect(() => parseCaption("a thick")).toThrow(/must name exactly one digit, it names 0/);
    expect(() => parseCaption("3 4")).toThrow(/names 2/);
    expect(parseCaption("3 three 三")).toEqual({ digit: 3, thickness: "medium", slant: "upright" }); // one digit, three ways
  });
});

describe("held-out combinations", () => {
  it("isHeldOut matches a field left out against every value", () => {
    expect(isHeldOut({ digit: 0, thickness: "thin", slant: "left" })).toBe(true);
    expect(isHeldOut({ digit: 0, thickness: "thin", slant: "upright" })).toBe(true);
    expect(isHeldOut({ digit: 0, thickness: "medium", slant: "upright" })).toBe(false);
    expect(isHeldOut({ digit: 1, thickness: "thick", slant: "left" })).toBe(true);
    expect(isHeldOut({ digit: 1, thickness: "thick", slant: "right" })).toBe(false);
    expect(isHeldOut({ digit: 7, thickness: "thin", slant: "right" })).toBe(true);
    expect(isHeldOut({ digit: 7, thickness: "thin", slant: "left" })).toBe(false);
    // 3 (thin 0, every slant) + 1 + 1 of the 90
    expect(ALL_SPECS.filter((s) => isHeldOut(s))).toHaveLength(5);
    expect(isHeldOut({ digit: 4, thickness: "thin", slant: "left" }, [{ slant: "left" }])).toBe(true);
    expect(isHeldOut({ digit: 0, thickness: "thin", slant: "left" }, [])).toBe(false);
    expect(HELD_OUT).toHaveLength(3);
  });
});

describe("captionBag", () => {
  it("a thick 7 is 1/3 at a, thick and 7; a repeated word counts twice; an all-pad row is zero", () => {
    const V = CAPTION_VOCAB.length;
    const ids = tf.tensor2d(
      [
        [1, 5, 16, 0, 0, 0], // a thick 7
        [1, 1, 16, 0, 0, 0], // a a 7
        [0, 0, 0, 0, 0, 0],
        [0, 16, 0, 5, 0, 1], // the same words, padded in between
      ],
      undefined,
      "int32",
    );
    const bag = expectNoLeak(() => captionBag(ids), 1);
    expect(bag.shape).toEqual([4, V]);
    expect(bag.dtype).toBe("float32");
    const row = (entries: [number, number][]) => {
      const r = new Array<number>(V).fill(0);
      for (const [i, v] of entries) r[i] = v;
      return r;
    };
    expectClose(bag, [
      row([
        [1, 1 / 3],
        [5, 1 / 3],
        [16, 1 / 3],
      ]),
      row([
        [1, 2 / 3],
        [16, 1 / 3],
      ]),
      row([]),
      row([
        [1, 1 / 3],
        [5, 1 / 3],
        [16, 1 / 3],
      ]),
    ]);
    const sums = tf.sum(bag, 1);
    expectClose(sums, [1, 1, 0, 1]);
    tf.dispose([ids, bag, sums]);
  });

  it("rows of a real batch sum to 1, and a float ids tensor gives the same bag", () => {
    const ids = captionBatch(ALL_SPECS.slice(0, 12), makeRng(3));
    const bag = captionBag(ids);
    const sums = tf.sum(bag, 1);
    expectClose(sums, new Array(12).fill(1));
    const asFloat = ids.toFloat() as tf.Tensor2D;
    const bagF = captionBag(asFloat);
    expectClose(bagF, bag, { atol: 0, rtol: 0 });
    expect(() => captionBag(tf.tensor1d([1, 2], "int32") as unknown as tf.Tensor2D)).toThrow(/ids must have shape \[\?, \?\]/);
    tf.dispose([ids, bag, sums, asFloat, bagF]);
  });
});

describe("captionBatch", () => {
  const specs = ALL_SPECS.slice(20, 40);
  it("int32 [N, CAPTION_LENGTH], one template per row drawn from the rng, the same for the same seed", () => {
    const a = expectNoLeak(() => captionBatch(specs, makeRng(5)), 1);
    const b = captionBatch(specs, makeRng(5));
    const c = captionBatch(specs, makeRng(6));
    expect(a.shape).toEqual([20, CAPTION_LENGTH]);
    expect(a.dtype).toBe("int32");
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    // every row is one of the templates' captions of its spec, and parses back to it
    (a.arraySync() as number[][]).forEach((ids, i) => {
      const options = TEMPLATES.map((_, t) => encodeCaption(caption(specs[i], t)));
      expect(options).toContainEqual(ids);
      expect(parseCaption(decodeCaption(ids))).toEqual(specs[i]);
    });
    tf.dispose([a, b, c]);
  });

  it("restricted to given templates, and an empty batch", () => {
    const zh = captionBatch(specs, makeRng(1), [3]);
    expect(zh.arraySync()).toEqual(specs.map((s) => encodeCaption(caption(s, 3))));
    const none = captionBatch([], makeRng(1));
    expect(none.shape).toEqual([0, CAPTION_LENGTH]);
    tf.dispose([zh, none]);
  });
});

describe("captionDigits", () => {
  it("measures, buckets and captions; the seen indices are those not held out", () => {
    // thicknesses from the hand formulas above: 0.952, 1.818, 2.609 (upright w = 1, 2, 3);
    // 0.667 and 1.290 (leaning w = 1, 2); 1.875 (leaning w = 3, 2·60/64)
    const x = images(
      stroke(1, 10), // 0: thin 0 → held out
      stroke(2, 10), // 1: medium 0
      stroke(3, 10), // 2: thick 0
      stroke(1, 8, 1), // 3: thin 7 leaning right → held out
      stroke(2, 8, 1), // 4: medium 7 leaning right
      mirror(stroke(3, 8, 1)), // 5: thick 1 leaning left (class 1's thresholds below) → held out
      stroke(3, 10), // 6: thick 1 upright
    );
    const labels = [0, 0, 0, 7, 7, 1, 1];
    const buckets = flatBuckets();
    buckets.thickness[1] = [1, 1.5];
    const out = expectNoLeak(() => captionDigits(x, labels, buckets));
    expect(out.buckets).toBe(buckets);
    expect(out.specs).toEqual([
      { digit: 0, thickness: "thin", slant: "upright" },
      { digit: 0, thickness: "medium", slant: "upright" },
      { digit: 0, thickness: "thick", slant: "upright" },
      { digit: 7, thickness: "thin", slant: "right" },
      { digit: 7, thickness: "medium", slant: "right" },
      { digit: 1, thickness: "thick", slant: "left" },
      { digit: 1, thickness: "thick", slant: "upright" },
    ]);
    expect(out.seen).toEqual([1, 2, 4, 6]);
    expect(out.seen.every((i) => !isHeldOut(out.specs[i]))).toBe(true);
    expectClose(out.attributes.slant, [0, 0, 0, SLANT, SLANT, -SLANT, 0]);
    x.dispose();
  });

  it("fits its buckets on the given digits when none are given", () => {
    // three upright bars of widths 1, 2, 3 per class: thin, medium, thick within every class
    const rows: Float32Array[] = [];
    const labels: number[] = [];
    for (let k = 0; k < 10; k++)
      for (const w of [1, 2, 3]) {
        rows.push(stroke(w, 10));
        labels.push(k);
      }
    const x = images(...rows);
    const out = captionDigits(x, labels);
    expect(out.buckets).toEqual(fitBuckets(measureAttributes(x), labels));
    expect(out.specs.map((s) => s.thickness)).toEqual(labels.map((_, i) => (["thin", "medium", "thick"] as const)[i % 3]));
    // the thin 0 (index 0) is the only one held out: every slant is upright (tertiles of 0, 0, 0)
    expect(out.seen).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    x.dispose();
  });
});

describe("promptFidelity", () => {
  it("rates worked out by hand on four images", () => {
    const x = images(
      stroke(3, 10), // thickness 2.609, upright
      stroke(2, 8, 1), // 1.290, leaning right
      new Float32Array(SIDE * SIDE), // blank: 0, 0
      mirror(stroke(1, 8, 1)), // 0.667, leaning left
    );
    const buckets = flatBuckets();
    buckets.thickness[7] = [1.4, 2.2]; // 1.290 is thin for a 7 (but medium for a 1, the judge's class)
    const specs: CaptionSpec[] = [
      { digit: 3, thickness: "thick", slant: "upright" }, // class ✓ thickness ✓ slant ✓
      { digit: 7, thickness: "thin", slant: "right" }, //    judged 1: ✗, thin by 7's thresholds ✓, ✓
      { digit: 5, thickness: "thick", slant: "right" }, //   ✓, blank is thin ✗, upright ✗
      { digit: 2, thickness: "thin", slant: "right" }, //    ✓, ✓, leaning left ✗
    ];
    const f = expectNoLeak(() => promptFidelity(x, specs, [3, 1, 5, 2], buckets));
    expect(f).toEqual({ n: 4, classRate: 3 / 4, thicknessRate: 3 / 4, slantRate: 2 / 4, allRate: 1 / 4 });
    expect(() => promptFidelity(x, specs.slice(1), [3, 1, 5, 2], buckets)).toThrow(/specs must have one prompt per image \(4\), got 3/);
    expect(() => promptFidelity(x, specs, [3], buckets)).toThrow(/predicted must have one class per image \(4\), got 1/);
    x.dispose();
  });
});
