import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import {
  PAD,
  buildVocabulary,
  characters,
  contextWindows,
  decode,
  documentBatch,
  encode,
  loadCorpus,
  maskedBatch,
  maxContext,
  randomBatch,
  splitDocuments,
} from "../../lib/text";
import { makeRng } from "../../lib/random";

describe("corpora", () => {
  it("tang-quatrains: 3,755 poems of four 5-character lines with punctuation", () => {
    const poems = loadCorpus("tang-quatrains");
    expect(poems.length).toBe(3755);
    for (const p of poems) {
      const c = characters(p);
      expect(c.length).toBe(24);
      for (const t of [5, 11, 17, 23]) expect("，。？！；").toContain(c[t]);
    }
    expect(buildVocabulary(poems).size).toBe(3761); // 3,760 characters + the boundary
  });

  it("names-en: 8,422 lower-case names over a–z and '-'", () => {
    const names = loadCorpus("names-en");
    expect(names.length).toBe(8422);
    const vocab = buildVocabulary(names);
    expect(vocab.chars.join("")).toBe("\n-abcdefghijklmnopqrstuvwxyz");
  });
});

describe("vocabulary, encode, decode", () => {
  const vocab = buildVocabulary(["ba", "cab", "春風"]);

  it("puts the boundary at 0 and sorts the rest by code point", () => {
    expect(vocab.chars).toEqual(["\n", "a", "b", "c", "春", "風"]);
    expect(vocab.size).toBe(6);
  });

  it("round-trips text (CJK characters are one id each)", () => {
    expect(encode(vocab, "cab")).toEqual([3, 1, 2]);
    expect(encode(vocab, "風春")).toEqual([5, 4]);
    expect(decode(vocab, [3, 1, 2, 0, 4])).toBe("cab\n春");
    expect(decode(vocab, encode(vocab, ""))).toBe("");
  });

  it("says what was wrong", () => {
    expect(() => encode(vocab, "d")).toThrow(/character "d" is not in the vocabulary/);
    expect(() => decode(vocab, [1, PAD])).toThrow(/ids\[1\] = -1 is not an id in \[0, 6\)/);
    expect(() => buildVocabulary(["a\nb"])).toThrow(/documents\[0\] contains the boundary/);
  });
});

describe("splitDocuments", () => {
  it("is a seeded partition", () => {
    const docs = Array.from({ length: 50 }, (_, i) => `d${i}`);
    const a = splitDocuments(docs, { validationFraction: 0.2, seed: 3 });
    const b = splitDocuments(docs, { validationFraction: 0.2, seed: 3 });
    const c = splitDocuments(docs, { validationFraction: 0.2, seed: 4 });
    expect(a.validation.length).toBe(10);
    expect(a.train.length).toBe(40);
    expect(a).toEqual(b);
    expect(a.validation).not.toEqual(c.validation);
    expect([...a.train, ...a.validation].sort()).toEqual(docs.slice().sort());
    expect(() => splitDocuments(docs, { validationFraction: 1 })).toThrow(/validationFraction must be in \(0, 1\)/);
  });
});

describe("documentBatch", () => {
  const vocab = buildVocabulary(["ab", "c"]);

  it("frames each document: reads b c₁…cₙ, predicts c₁…cₙ b, pads targets with PAD", () => {
    const before = tf.memory().numTensors;
    const { x, y } = documentBatch(vocab, ["ab", "c"]);
    expect(maxContext(["ab", "c"])).toBe(3);
    expect(x.dtype).toBe("int32");
    expect(x.arraySync()).toEqual([
      [0, 1, 2],
      [0, 3, 0],
    ]);
    expect(y.arraySync()).toEqual([
      [1, 2, 0],
      [3, 0, PAD],
    ]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("throws when a document does not fit the context", () => {
    expect(() => documentBatch(vocab, ["ab"], 2)).toThrow(/documents\[0\] has 2 characters: it needs contextLength ≥ 3, got 2/);
  });

  it("randomBatch draws B documents with the given generator", () => {
    const { x, y } = randomBatch(vocab, ["ab", "c"], 5, 4, makeRng(0));
    expect(x.shape).toEqual([5, 4]);
    expect(y.shape).toEqual([5, 4]);
    tf.dispose([x, y]);
  });
});

describe("contextWindows", () => {
  it("gives the same targets as documentBatch, with boundary-filled contexts", () => {
    const vocab = buildVocabulary(["ab", "c"]);
    const w = contextWindows(vocab, ["ab", "c"], 2);
    expect(w.n).toBe(5);
    expect(Array.from(w.target)).toEqual([1, 2, 0, 3, 0]);
    expect(Array.from(w.context)).toEqual([0, 0, 0, 1, 1, 2, 0, 0, 0, 3]);
  });
});

describe("maskedBatch", () => {
  it("hides characters behind the id V, targets only the hidden ones, never the boundary", () => {
    const vocab = buildVocabulary(["abcd", "c"]);
    const { x, y } = maskedBatch(vocab, ["abcd", "c"], 6, { rate: 0.5, rng: makeRng(4) });
    const xs = x.arraySync();
    const ys = y.arraySync();
    const plain = [
      [0, 1, 2, 3, 4, 0],
      [0, 3, 0, 0, 0, 0],
    ];
    for (let b = 0; b < 2; b++) {
      expect(xs[b][0]).toBe(0);
      let hidden = 0;
      for (let t = 0; t < 6; t++) {
        if (xs[b][t] === vocab.size) {
          hidden++;
          expect(ys[b][t]).toBe(plain[b][t]);
        } else {
          expect(xs[b][t]).toBe(plain[b][t]);
          expect(ys[b][t]).toBe(PAD);
        }
      }
      expect(hidden).toBeGreaterThanOrEqual(1); // at least one per document
    }
    tf.dispose([x, y]);
  });
});
