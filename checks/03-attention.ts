/**
 * Checks for stage 03 (exercises/03-attention.ts). Reference values are closed forms or were
 * worked out by hand with NumPy from the formulas in the comments (not from the solution), and
 * so were the values each typical mistake gives, which the hints recognise.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckFailure, allClose, defineCheck, expectTensor, runCases, type NestedNumbers } from "../lib/checker/define";
import type { MultiHeadAttentionParams } from "../lib/attention";

type Attention = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor2D) => { output: tf.Tensor; weights: tf.Tensor };

/** Returns a hint when `got` matches one of the known wrong answers. */
function recognise(mistakes: [number[][], string][]): (got: number[]) => string | undefined {
  return (got) => mistakes.find(([values]) => allClose(got, values.flat(), { rtol: 1e-4, atol: 1e-4 }))?.[1];
}

/** The learner's {output, weights}, checked to be an object with both. */
function parts(result: unknown, call: string): { output: unknown; weights: unknown } {
  if (typeof result !== "object" || result === null || !("output" in result) || !("weights" in result)) {
    throw new CheckFailure(`${call} must return an object { output, weights }`, "wrong");
  }
  return result as { output: unknown; weights: unknown };
}

/** How near a result must be to a known mistake's for its hint. */
const MATCH = { rtol: 1e-4, atol: 1e-5 };

interface BlockParams {
  norm1: { gamma: tf.Tensor1D; beta: tf.Tensor1D };
  attention: MultiHeadAttentionParams;
  norm2: { gamma: tf.Tensor1D; beta: tf.Tensor1D };
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}
type TransformerBlock = (x: tf.Tensor3D, params: BlockParams, heads: number) => { output: tf.Tensor3D; weights: tf.Tensor4D };

/** 03.5's sizes: B batch, T positions, D model width, F the MLP's width, H heads. */
export const BLOCK_SIZES = { B: 2, T: 4, D: 4, F: 6, H: 2 };

/** Value i is round(scale·sin(s + 1.7·i), 2): inputs rebuilt from a formula, as the Python reference does. */
export function numbers(n: number, s: number, scale: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(100 * scale * Math.sin(s + 1.7 * i)) / 100);
}

/** 03.5's inputs, row-major (tests/reference/exercise_03_reference.py's `inputs`). */
export function blockInputs(): Record<string, number[]> {
  const { B, T, D, F } = BLOCK_SIZES;
  const shifted = (v: number[]) => v.map((a) => 1 + a);
  return {
    x: numbers(B * T * D, 1, 1.5),
    gamma1: shifted(numbers(D, 2, 0.3)),
    beta1: numbers(D, 3, 0.2),
    wQ: numbers(D * D, 4, 0.8),
    wK: numbers(D * D, 5, 0.8),
    wV: numbers(D * D, 6, 0.8),
    wO: numbers(D * D, 7, 0.8),
    bQ: numbers(D, 8, 0.2),
    bK: numbers(D, 9, 0.2),
    bV: numbers(D, 10, 0.2),
    bO: numbers(D, 11, 0.2),
    gamma2: shifted(numbers(D, 12, 0.3)),
    beta2: numbers(D, 13, 0.2),
    w1: numbers(D * F, 14, 0.8),
    b1: numbers(F, 15, 0.2),
    w2: numbers(F * D, 16, 0.8),
    b2: numbers(D, 17, 0.2),
  };
}

/** Row-major values as nested arrays of `shape`. */
function nested(flat: number[], shape: number[]): NestedNumbers {
  if (shape.length === 1) return flat;
  const size = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nested(flat.slice(i * size, (i + 1) * size), shape.slice(1)));
}

/**
 * 03.1's batched case: PyTorch float64, copied from tests/reference/exercise_03.json's
 * "attentionBatched" (tests/exercises/03-attention.test.ts checks the copy): the weights [2, 3, 4]
 * and output [2, 3, 2], row-major, and the weights each typical mistake gives.
 */
export const ATTENTION_BATCHED = {
  weights: [
    0.27537438010412524, 0.7246256198958748, 0.0, 0.0, 0.07383708172046859, 0.3868095990700779, 0.5393533192094535, 0.0,
    0.08882018448746992, 0.11720391268235168, 0.30704467104216915, 0.48693123178800923, 0.7404473356620597, 0.25955266433794033, 0.0, 0.0,
    0.40466199477441617, 0.46061004848497167, 0.13472795674061216, 0.0, 0.06628739092432183, 0.20874991297003018, 0.45934309501836024,
    0.2656196010872879,
  ],
  output: [
    0.4543261158125746, 0.007529115738566142, -0.2346457195552778, 0.07789432305607272, 0.20599449634396455, -0.15837285745328722,
    -0.4643336304857779, 0.22479495643053932, -0.08879201519283833, 0.0018488612393896403, -0.07007377310728984, 0.032235455420622616,
  ],
  mistakeWeights: {
    softmaxAxis1: [
      0.5973122302885239, 0.5263093480411299, 0.0, 0.0, 0.22537309998750432, 0.39534324435079404, 0.7286851479332912, 0.0,
      0.17731466972397186, 0.07834740760807597, 0.27131485206670886, 1.0, 0.6149915882459565, 0.28286439695312077, 0.0, 0.0,
      0.33115072406292284, 0.4945890474677356, 0.22804843487443818, 0.0, 0.053857687691120766, 0.22254655557914382, 0.7719515651255618, 1.0,
    ],
    scaleDK: [
      0.3638714545453496, 0.6361285454546505, 0.0, 0.0, 0.14806675791236285, 0.3852130555925101, 0.4667201864951271, 0.0,
      0.14511887108924135, 0.17031560351808603, 0.2969864576177211, 0.3875790677749514, 0.6468526957175542, 0.35314730428244584, 0.0, 0.0,
      0.38349648537968895, 0.4132683429797402, 0.2032351716405709, 0.0, 0.12157292552318295, 0.23575998924097336, 0.37172250667927276,
      0.270944578556571,
    ],
    scaleSqrtDV: [
      0.2341598357959292, 0.7658401642040709, 0.0, 0.0, 0.04994638212174862, 0.3796368597712081, 0.5704167581070434, 0.0,
      0.06662840503529477, 0.09357416923221117, 0.3043806929359158, 0.5354167327965783, 0.7831118553773273, 0.21688814462267275, 0.0, 0.0,
      0.4112008819937209, 0.4818755617545743, 0.10692355625170474, 0.0, 0.04704555483886008, 0.19172591914489323, 0.5036969063184308,
      0.25753161969781585,
    ],
    noScale: [
      0.1576524194130183, 0.8423475805869818, 0.0, 0.0, 0.020029226494616484, 0.35269107480907774, 0.6272796986963057, 0.0,
      0.03307062073111286, 0.05346061940851635, 0.28345270873635303, 0.6300160511240178, 0.8600493607298267, 0.13995063927017334, 0.0, 0.0,
      0.4166173803673327, 0.5213743196041157, 0.062008300028551594, 0.0, 0.020855938848268245, 0.15210008293538393, 0.5961776806512367,
      0.23086629756511126,
    ],
  },
};

/**
 * 03.5's reference: PyTorch float64 (torch.nn.functional.layer_norm, softmax, gelu), copied from
 * tests/reference/exercise_03.json (written by tests/reference/exercise_03_reference.py;
 * tests/exercises/03-attention.test.ts checks the copy), so the checker does not read the test
 * folder. `output` is [B, T, D] = [2, 4, 4] and `weights` [B, H, T, T] = [2, 2, 4, 4], row-major;
 * `mistakes` holds the outputs typical mistakes give.
 */
export const BLOCK_REFERENCE = {
  output: [
    -0.2521436381192077, 0.990479915451659, -0.004007557703382458, -0.9772135775217043, -0.2775121732783594, -0.24873687912584824,
    0.35082351360218, 0.16841160640332137, -0.4537731705212611, -1.2468789391489472, 0.7784124978253325, 1.0509855997576494,
    -1.04040320802191, -1.645234987226881, 1.4795665603871582, 1.2691963008094045, -1.8443935134291163, -1.707245113496233,
    2.287638979805246, 1.108404049163107, -2.269471951532579, -1.3426416013616098, 2.626141535571766, 0.6544523611157788,
    -2.8460592983960713, -0.5743751157844912, 2.9957996307368626, -0.2124204247802124, -3.3004583458901857, 0.09129447850514928,
    3.2796109944226113, -0.9372341628049654,
  ],
  weights: [
    1.0, 0.0, 0.0, 0.0, 0.5335364555711662, 0.4664635444288337, 0.0, 0.0, 0.3363783696002168, 0.3333034358957759, 0.33031819450400735, 0.0,
    0.20093818059664334, 0.2288590521665541, 0.2655753452400613, 0.3046274219967413, 1.0, 0.0, 0.0, 0.0, 0.5323857568078676,
    0.46761424319213246, 0.0, 0.0, 0.33580451626847413, 0.3332256380335071, 0.33096984569801885, 0.0, 0.2008339094957415,
    0.22846792150209616, 0.2654083191561112, 0.3052898498460511, 1.0, 0.0, 0.0, 0.0, 0.4658088747430985, 0.5341911252569014, 0.0, 0.0,
    0.3132381225575095, 0.3676076486086336, 0.31915422883385686, 0.0, 0.24931364455885066, 0.2905545184664028, 0.26362982963878945,
    0.19650200733595707, 1.0, 0.0, 0.0, 0.0, 0.46335960714854096, 0.536640392851459, 0.0, 0.0, 0.3105879011355339, 0.367857584746845,
    0.32155451411762115, 0.0, 0.24776581510886964, 0.2906506165146443, 0.26457922329691697, 0.19700434507956915,
  ],
  mistakeWeightsNoMask: [
    0.33695851317432823, 0.27176764945749016, 0.21550244820865244, 0.1757713891595292, 0.3039145889602612, 0.2657083220644631,
    0.2292989048200574, 0.2010781841552184, 0.25330696669958436, 0.25099141314481815, 0.24874340164897304, 0.24695821850662433,
    0.20093818059664334, 0.2288590521665541, 0.2655753452400613, 0.3046274219967413, 0.33435188318888054, 0.27172957837188166,
    0.21668152374719254, 0.17723701469204528, 0.3022923580906977, 0.2655146394203042, 0.23000665446254182, 0.20218634802645627,
    0.2526010901702813, 0.2506611893589168, 0.24896432235583416, 0.2477733981149678, 0.2008339094957415, 0.22846792150209616,
    0.2654083191561112, 0.3052898498460511, 0.2615879145817737, 0.28655684418821026, 0.2554915234597796, 0.19636371777023637,
    0.2614705755442128, 0.29985530234598035, 0.25832257809202586, 0.18035154401778106, 0.2566030898604304, 0.30114233133287976,
    0.26144953427804657, 0.18080504452864318, 0.24931364455885066, 0.2905545184664028, 0.26362982963878945, 0.19650200733595707,
    0.25900323536521874, 0.2860473901193985, 0.25685684288123745, 0.1980925316341453, 0.2584416815929939, 0.2993144922422974,
    0.26001919872297274, 0.18222462744173584, 0.2539928857043913, 0.3008269450822123, 0.26296117348231113, 0.1822189957310853,
    0.24776581510886964, 0.2906506165146443, 0.26457922329691697, 0.19700434507956915,
  ],
  mistakes: {
    noMask: [
      -0.27171747710231453, 1.0982825782982255, -0.011521961844179973, -1.0862884908853785, -0.3161520595677687, -0.1803108030116442,
      0.37273269578159485, 0.09192122428982397, -0.47951110938344943, -1.228681030095446, 0.8001188656759715, 1.0257312424705332,
      -1.04040320802191, -1.645234987226881, 1.4795665603871582, 1.2691963008094045, -1.8490236064285026, -1.8155208565088903,
      2.3213177195340857, 1.207572928849243, -2.274948823879101, -1.428419562876174, 2.6543490356844357, 0.7332454138342714,
      -2.829981959538843, -0.6092073431849596, 2.988833645161372, -0.1756102210607975, -3.3004583458901857, 0.09129447850514928,
      3.2796109944226113, -0.9372341628049654,
    ],
    postNorm: [
      0.12544981393021473, -1.1556891705286596, 1.6076656975490669, -0.5631121258836594, -0.5609838922837267, -1.3191739769860296,
      1.2421195588724967, 0.3337800994555564, -0.639662454733406, -1.2502499834836034, 1.1428420189771524, 0.4251121837271638,
      -0.7055276515606747, -1.1655889624798075, 1.1178233096775547, 0.44940335388399566, -0.7799462363070334, -1.0568146680572494,
      1.1071047525829583, 0.4583479826973585, -0.8805647993771799, -0.8814985732516649, 1.1386025764373793, 0.4253379065855537,
      -1.0902047562077168, -0.16251069474388533, 1.3794653923245361, 0.04906279683716769, -1.0856679584914213, 0.3266609052240879,
      1.424152736759634, -0.2530383042323903,
    ],
    noResidual: [
      -1.2880886022059919, -0.05223983473516667, 1.3053903980110821, -0.28807399079028284, -1.2168131424475948, 0.0999353181230925,
      1.1927180416001728, -0.4101560245326246, -1.301636833261962, 0.21221893050311705, 1.2467176325164648, -0.5336586758491507,
      -1.4316313557816516, 0.21052399218499265, 1.3758681494574088, -0.5624279575459523, -1.5307050497968164, 0.16309920466847677,
      1.486346106027955, -0.5412575641372395, -1.4868935096451477, 0.20454661436314653, 1.4323776411967573, -0.5702981007092353,
      -1.42521296336744, 0.2314739268846943, 1.364421442708421, -0.581370356509969, -1.368490033798828, 0.2324417007560162,
      1.3080851077524982, -0.5692153162401443,
    ],
    norm1Twice: [
      -0.10863516272642348, 0.3543601254610117, 0.018166545455882144, -0.349022250948751, -0.7745706492920501, -0.6405625160167867,
      0.9531387606229005, 0.40492506557738545, -1.2141318785403716, -1.3982164703786442, 1.5827493971407485, 0.9963437699577432,
      -1.5611020340987278, -1.7660922371843335, 2.0356697168945708, 1.2491488782924904, -1.7275228365482969, -1.7545620051264148,
      2.1857747436499757, 1.1850266452075375, -1.716480564652165, -1.4262053372496917, 2.0953706074947975, 0.8767839191694193,
      -2.39799268485372, -0.6992806386259359, 2.57959111801157, 0.02124716934690518, -3.2385983864106596, 0.026723970358521684,
      3.2340581390284795, -0.8594607570007899,
    ],
    relu: [
      -0.6583306100795177, 1.1464718882179132, 0.36279859080159804, -1.2261988840499862, -0.6984766162095175, -0.2153031593229915,
      0.7638670857125127, 0.029327427660141625, -0.7212958066970776, -1.2319160743456248, 1.0426087502986565, 0.9686673798125065,
      -1.355850638707751, -1.5056999488021525, 1.7598162647758846, 1.0580449977688926, -2.2641815074198863, -1.6498126139375267,
      2.6933372095637615, 0.9475832964856564, -2.5691598087581724, -1.4252921436316377, 2.947216435934202, 0.6550514937418894,
      -3.203716755623395, -0.3886935992478847, 3.306336391101352, -0.4765994251999316, -3.726434899136795, 0.15320160345971107,
      3.690501618685652, -1.1039156672119588,
    ],
    geluErf: [
      -0.2525654601108982, 0.9906777810278748, -0.003635803173749119, -0.9775067026747566, -0.2780364146510157, -0.2488181887543957,
      0.351369034841462, 0.1683539822006727, -0.4539131407653163, -1.246985584904414, 0.7785802702670602, 1.0510493323520824,
      -1.0406202260707134, -1.6450099158334512, 1.4797268832078507, 1.2689311144136715, -1.845001387148512, -1.7071916283354727,
      2.288233842123463, 1.108198722881044, -2.2698019880546196, -1.3426163098589745, 2.6264655509259747, 0.6543436091960191,
      -2.8464304375319696, -0.5741528320859577, 2.9961144920845664, -0.21272334065506537, -3.3010562487216006, 0.09139053335506762,
      3.2801847980793006, -0.9374764565340541,
    ],
  },
};

export const checks = [
  defineCheck({
    id: "03.1",
    name: "attention",
    title: "scaled dot-product attention with a mask",
    async run(attention: Attention) {
      // Every sub-case runs (runCases): a batched case that fails without a hint does not hide the
      // small case whose values name the mistake.
      const cases: (() => void)[] = [];
      // Unmasked, Tq = 2, Tk = 3, dK = dV = 2 (Tq ≠ Tk so a softmax over the wrong axis shows).
      // q·kᵀ = [[1, 0, 2], [0, 2, 2]]; /√2, softmax over each row:
      //   row 0: softmax([0.7071, 0, 1.4142]) = [0.283995, 0.140029, 0.575975]
      //   row 1: softmax([0, 1.4142, 1.4142]) = [0.108383, 0.445808, 0.445808]
      // output = weights·v with v = [[1, 0], [0, 1], [1, 1]].
      const q = tf.tensor2d([
        [1, 0],
        [0, 2],
      ]);
      const k = tf.tensor2d([
        [1, 0],
        [0, 1],
        [2, 1],
      ]);
      const v = tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      const call = "attention(q [2, 2], k [3, 2], v [3, 2])";
      const r1 = parts(attention(q, k, v), call);
      cases.push(() =>
        expectTensor(
          r1.weights,
          [
            [0.283995, 0.140029, 0.575975],
            [0.108383, 0.445808, 0.445808],
          ],
          {
            call: `${call}.weights`,
            atol: 1e-5,
            hint: recognise([
              [
                [
                  [0.244728, 0.090031, 0.665241],
                  [0.063379, 0.468311, 0.468311],
                ],
                "these are softmax(q·kᵀ) without the 1/√dK scaling: divide the scores by √dK = √2",
              ],
              [
                [
                  [0.669762, 0.19557, 0.5],
                  [0.330238, 0.80443, 0.5],
                ],
                "the softmax ran over the queries (axis −2): each query's weights over the KEYS must sum to 1, so use the last axis",
              ],
            ]),
          },
        ),
      );
      cases.push(() =>
        expectTensor(
          r1.output,
          [
            [0.859971, 0.716005],
            [0.554192, 0.891617],
          ],
          { call: `${call}.output`, atol: 1e-5 },
        ),
      );

      // Causal, T = 3, with the mask given: [[1, 0, 0], [1, 1, 0], [1, 1, 1]].
      // q·kᵀ/√2 with q = [[1, 0], [0, 1], [1, 1]], k = [[0, 1], [1, 0], [1, 1]]:
      //   row 0 keeps key 0 only → [1, 0, 0]
      //   row 1: softmax([1, 0]/√2) = [0.669762, 0.330238], key 2 masked
      //   row 2: softmax([1, 1, 2]/√2) = [0.248255, 0.248255, 0.50349]
      const qc = tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      const kc = tf.tensor2d([
        [0, 1],
        [1, 0],
        [1, 1],
      ]);
      const vc = tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      const mask = tf.tensor2d([
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ]);
      const callC = "attention(q [3, 2], k [3, 2], v [3, 2], causal mask [3, 3])";
      const r2 = parts(attention(qc, kc, vc, mask), callC);
      cases.push(() =>
        expectTensor(
          r2.weights,
          [
            [1, 0, 0],
            [0.669762, 0.330238, 0],
            [0.248255, 0.248255, 0.50349],
          ],
          {
            call: `${callC}.weights`,
            atol: 1e-5,
            hint: recognise([
              [
                [
                  [0.197776, 0, 0],
                  [0.401112, 0.197776, 0],
                  [0.248255, 0.248255, 0.50349],
                ],
                "the mask was applied after the softmax, so rows no longer sum to 1: add (1 − mask)·(−1e9) to the scores BEFORE the softmax",
              ],
              [
                [
                  [0.197776, 0.401112, 0.401112],
                  [0.401112, 0.197776, 0.401112],
                  [0.248255, 0.248255, 0.50349],
                ],
                "future positions are not masked: the mask was ignored (query 0 still attends to keys 1 and 2)",
              ],
            ]),
          },
        ),
      );
      cases.push(() =>
        expectTensor(
          r2.output,
          [
            [1, 2],
            [1.660477, 2.660477],
            [3.51047, 4.51047],
          ],
          { call: `${callC}.output`, atol: 1e-5 },
        ),
      );

      // Batched: q [2, 3, 3], k [2, 4, 3], v [2, 4, 2] with a [3, 4] mask broadcast over the batch.
      // Tq ≠ Tk and a batch axis, so only the last axis is the keys' (axis 1 is the queries');
      // dK = 3 ≠ dV = 2, so dividing by dK, by √dV or not at all each give other weights (PyTorch,
      // ATTENTION_BATCHED below).
      const ab = ATTENTION_BATCHED;
      const qb = tf.tensor3d(numbers(18, 21, 1.2), [2, 3, 3]);
      const kb = tf.tensor3d(numbers(24, 22, 1.2), [2, 4, 3]);
      const vb = tf.tensor3d(numbers(16, 23, 1), [2, 4, 2]);
      const maskB = tf.tensor2d([
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 1],
      ]);
      const callB = "attention(q [2, 3, 3], k [2, 4, 3], v [2, 4, 2], mask [3, 4])";
      const r3 = parts(attention(qb, kb, vb, maskB), callB);
      cases.push(() =>
        expectTensor(r3.weights, nested(ab.weights, [2, 3, 4]), {
          call: `${callB}.weights`,
          hint: recognise([
            [
              [ab.mistakeWeights.softmaxAxis1],
              "the softmax ran over the queries (axis −2, axis 1 here): each query's weights over the KEYS must sum to 1, so use the last axis (−1)",
            ],
            [[ab.mistakeWeights.scaleDK], "the scores were divided by dK = 3; divide by √dK"],
            [
              [ab.mistakeWeights.scaleSqrtDV],
              "the scores were divided by √dV = √2 (v's width); dK is the width of q and k, q.shape[q.rank − 1] = 3",
            ],
            [[ab.mistakeWeights.noScale], "these are softmax(q·kᵀ) without the 1/√dK scaling: divide the scores by √dK = √3"],
          ]),
        }),
      );
      cases.push(() => expectTensor(r3.output, nested(ab.output, [2, 3, 2]), { call: `${callB}.output` }));
      tf.dispose([q, k, v, qc, kc, vc, mask, qb, kb, vb, maskB]);
      await runCases(cases);
    },
  }),
  defineCheck({
    id: "03.2",
    name: "causalMask",
    title: "the causal mask: no looking at the future",
    run(causalMask: (T: number) => tf.Tensor2D) {
      expectTensor(causalMask(1), [[1]], { call: "causalMask(1)" });
      // Row t is query t: ones up to and including column t.
      const expected = [
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 1],
      ];
      expectTensor(causalMask(4), expected, {
        call: "causalMask(4)",
        hint: recognise([
          [
            expected[0].map((_, i) => expected.map((row) => row[i])),
            "that is the transpose: row t (the query) must have ones at columns s ≤ t (the past), zeros at the future",
          ],
          [
            [
              [1, 1, 1, 1],
              [1, 1, 1, 1],
              [1, 1, 1, 1],
              [1, 1, 1, 1],
            ],
            "future positions are not masked: zeros above the diagonal",
          ],
          [
            [
              [0, 0, 0, 0],
              [1, 0, 0, 0],
              [1, 1, 0, 0],
              [1, 1, 1, 0],
            ],
            "the diagonal must be 1: a position may attend to itself",
          ],
        ]),
      });
    },
  }),
  defineCheck({
    id: "03.3",
    name: "positionalEncoding",
    title: "the sinusoidal positional encoding",
    run(positionalEncoding: (T: number, D: number) => tf.Tensor2D) {
      // D = 4: frequencies 1/10000^0 = 1 and 1/10000^(2/4) = 1/100.
      // pos 0: [sin 0, cos 0, sin 0, cos 0]; pos 1: [sin 1, cos 1, sin 0.01, cos 0.01];
      // pos 2: [sin 2, cos 2, sin 0.02, cos 0.02].
      const expected = [
        [0, 1, 0, 1],
        [0.841471, 0.540302, 0.00999983, 0.99995],
        [0.909297, -0.416147, 0.0199987, 0.9998],
      ];
      expectTensor(positionalEncoding(3, 4), expected, {
        call: "positionalEncoding(3, 4)",
        atol: 1e-5,
        hint: recognise([
          [
            expected.map((r) => [r[1], r[0], r[3], r[2]]),
            "sine and cosine are swapped: even columns (2i) are sin, odd columns (2i + 1) are cos",
          ],
          [
            [
              [0, 1, 0, 1],
              [0.841471, 0.540302, 0.841471, 0.540302],
              [0.909297, -0.416147, 0.909297, -0.416147],
            ],
            "every pair has frequency 1: divide pos by 10000^(2i/D)",
          ],
        ]),
      });
    },
  }),
  defineCheck({
    id: "03.4",
    name: "sampleWithTemperature",
    title: "sample the next character with a temperature",
    run(sample: (logits: number[], temperature: number, rng: () => number) => number) {
      // logits = ln [1, 2, 5]:
      //   temperature 1:   p = [1, 2, 5]/8 = [0.125, 0.25, 0.625],   CDF [0.125, 0.375, 1]
      //   temperature 2:   p ∝ [1, √2, √5] = [0.215041, 0.304114, 0.480846], CDF [0.215041, 0.519154, 1]
      //   temperature 0.5: p ∝ [1, 4, 25] = [0.0333, 0.1333, 0.8333], CDF [0.0333, 0.1667, 1]
      // Large logits [1000, 1001, 1002] at temperature 1: p = softmax([0, 1, 2]), CDF [0.090031, 0.334759, 1].
      // Each typical mistake gives its own list of answers over these cases (worked out by hand from
      // the CDFs; `pick` below redoes it), so the hint names the mistake only when all of them match:
      //   logits · τ (not / τ):                         softmax at τ = 2 is the τ = 0.5 one and back
      //   probabilities / τ after the softmax:          CDF [0.0625, 0.1875, 0.5] at τ = 2, [0.25, 0.75, 2] at τ = ½
      //   probabilities · τ after the softmax:          CDF [0.25, 0.75, 2] at τ = 2, [0.0625, 0.1875, 0.5] at τ = ½
      //   the temperature ignored:                      the τ = 1 CDF everywhere
      // (a CDF that never reaches r falls through to the last index, as the loop's fallback does).
      const logits = [0, Math.log(2), Math.log(5)];
      const cases: { logits: number[]; t: number; r: number; want: number }[] = [
        { logits, t: 1, r: 0.1, want: 0 },
        { logits, t: 1, r: 0.3, want: 1 },
        { logits, t: 1, r: 0.9, want: 2 },
        { logits, t: 2, r: 0.05, want: 0 },
        { logits, t: 2, r: 0.2, want: 0 },
        { logits, t: 2, r: 0.5, want: 1 },
        { logits, t: 2, r: 0.53, want: 2 },
        { logits, t: 0.5, r: 0.03, want: 0 },
        { logits, t: 0.5, r: 0.1, want: 1 },
        { logits, t: 0.5, r: 0.2, want: 2 },
        { logits, t: 0.5, r: 0.22, want: 2 },
        { logits: [1000, 1001, 1002], t: 1, r: 0.2, want: 1 },
      ];
      /** The index the inverse CDF picks from (maybe unnormalised) probabilities p: the first i with r < p_0 + … + p_i. */
      const pick = (p: number[], r: number) => {
        let cdf = 0;
        for (let i = 0; i < p.length; i++) if (r < (cdf += p[i])) return i;
        return p.length - 1;
      };
      const softmax = (l: number[]) => {
        const e = l.map((v) => Math.exp(v - Math.max(...l)));
        return e.map((v) => v / e.reduce((a, b) => a + b, 0));
      };
      const mistakes: [(l: number[], t: number) => number[], string][] = [
        [(l, t) => softmax(l.map((v) => v * t)), "that is what multiplying the logits by the temperature gives; divide them by it"],
        [
          (l, t) => softmax(l).map((p) => p / t),
          "that is what dividing the probabilities by the temperature AFTER the softmax gives (they no longer sum to 1); divide the logits by it before the softmax",
        ],
        [
          (l, t) => softmax(l).map((p) => p * t),
          "that is what multiplying the probabilities by the temperature after the softmax gives; divide the logits by it before the softmax",
        ],
        [
          (l) => softmax(l),
          "that is the temperature-1 answer at every temperature: divide the logits by the temperature before the softmax",
        ],
      ];
      const describe = (c: (typeof cases)[number]) =>
        `sampleWithTemperature([${c.logits.map((l) => (Number.isInteger(l) ? l : `ln ${Math.round(Math.exp(l))}`)).join(", ")}], ${c.t}, rng = ${c.r})`;
      const answers = cases.map((c) => {
        let calls = 0;
        const got = sample(c.logits.slice(), c.t, () => {
          calls++;
          return c.r;
        });
        if (typeof got !== "number" || !Number.isInteger(got))
          throw new CheckFailure(
            `${describe(c)} returned ${String(got)}, expected ${c.want}: return an index (an integer), not a probability`,
            "wrong",
          );
        if (calls !== 1)
          throw new CheckFailure(`${describe(c)} called rng ${calls} times; draw exactly one uniform number per sample`, "wrong");
        return got;
      });
      const bad = cases.findIndex((c, i) => answers[i] !== c.want);
      if (bad >= 0) {
        const c = cases[bad];
        const same = (f: (l: number[], t: number) => number[]) => cases.every((d, i) => pick(f(d.logits, d.t), d.r) === answers[i]);
        let hint = mistakes.find(([f]) => same(f))?.[1];
        if (hint === undefined && cases.every((d, i) => answers[i] === d.want || d.logits[0] === 1000))
          hint = "only the large logits go wrong: Math.exp(1000) is Infinity, so subtract the largest logit before Math.exp";
        throw new CheckFailure(`${describe(c)} returned ${answers[bad]}, expected ${c.want}${hint ? `. Hint: ${hint}` : ""}`, "wrong");
      }
      let calls = 0;
      const greedy = sample([0.5, 3, -1], 0, () => {
        calls++;
        return 0.99;
      });
      if (greedy !== 1)
        throw new CheckFailure(
          `sampleWithTemperature([0.5, 3, −1], 0, rng) returned ${greedy}, expected 1: temperature 0 returns the argmax`,
          "wrong",
        );
      if (calls !== 0)
        throw new CheckFailure("sampleWithTemperature(..., 0, rng) called rng: with temperature 0 there is nothing to draw", "wrong");
    },
  }),
  defineCheck({
    id: "03.5",
    name: "transformerBlock",
    title: "build it: one pre-norm Transformer block with the causal mask",
    async run(transformerBlock: TransformerBlock) {
      // B = 2, T = 4, D = 4, F = 6, H = 2 (so dHead = 2): several queries and keys for the mask and
      // the softmax axis, a batch whose rows differ, and F ≠ D so a transposed w1 or w2 cannot multiply.
      const { B, T, D, F, H } = BLOCK_SIZES;
      const p = blockInputs();
      const params = {
        norm1: { gamma: tf.tensor1d(p.gamma1), beta: tf.tensor1d(p.beta1) },
        attention: {
          wQ: tf.tensor2d(p.wQ, [D, D]),
          wK: tf.tensor2d(p.wK, [D, D]),
          wV: tf.tensor2d(p.wV, [D, D]),
          wO: tf.tensor2d(p.wO, [D, D]),
          bQ: tf.tensor1d(p.bQ),
          bK: tf.tensor1d(p.bK),
          bV: tf.tensor1d(p.bV),
          bO: tf.tensor1d(p.bO),
        },
        norm2: { gamma: tf.tensor1d(p.gamma2), beta: tf.tensor1d(p.beta2) },
        w1: tf.tensor2d(p.w1, [D, F]),
        b1: tf.tensor1d(p.b1),
        w2: tf.tensor2d(p.w2, [F, D]),
        b2: tf.tensor1d(p.b2),
      };
      const x = tf.tensor3d(p.x, [B, T, D]);
      const call = `transformerBlock(x [${B}, ${T}, ${D}], params (D = ${D}, F = ${F}), heads ${H})`;
      const result = parts(transformerBlock(x, params, H), call);
      const ref = BLOCK_REFERENCE;
      const m = ref.mistakes;
      const weightsHint = (got: number[]) => {
        if (allClose(got, ref.mistakeWeightsNoMask, MATCH))
          return "query t gives weight to keys s > t: pass the causal mask (libCausalMask(T)) to the attention";
        // Any weight on a future key (s > t) can only come from a missing or wrong mask.
        const future = got.some((w, i) => i % T > Math.floor(i / T) % T && Math.abs(w) > 1e-6);
        if (future)
          return "some query gives weight to a key after it (the future): the mask must be 1 at s ≤ t and 0 at s > t, added before the softmax";
        return undefined;
      };
      const outputHint = (got: number[]) => {
        const known: [number[], string][] = [
          [m.noMask, "that is the block without the causal mask: every position read the future"],
          [
            m.postNorm,
            "that is the post-norm block, LN(x + attention(x)): pre-norm normalises only what goes INTO attention and the MLP, x + attention(LN(x))",
          ],
          [m.noResidual, "the residual connections are missing: add the attention's output to x, and the MLP's to x1"],
          [m.norm1Twice, "the second LayerNorm used norm1's gamma and beta; the MLP's input is LayerNorm(x1; norm2)"],
          [m.relu, "that is ReLU in the MLP; the block uses GELU (tanh form)"],
          [m.geluErf, "that is the exact (erf) GELU; this block uses the tanh form ½u(1 + tanh(√(2/π)(u + 0.044715u³))), as GPT-2"],
        ];
        return known.find(([values]) => allClose(got, values, MATCH))?.[1];
      };
      const cases = [
        () =>
          expectTensor(result.weights, nested(ref.weights, [B, H, T, T]), {
            call: `${call}.weights`,
            rtol: 1e-4,
            atol: 1e-5,
            hint: weightsHint,
          }),
        () =>
          expectTensor(result.output, nested(ref.output, [B, T, D]), { call: `${call}.output`, rtol: 1e-4, atol: 1e-4, hint: outputHint }),
      ];
      tf.dispose([
        x,
        params.norm1.gamma,
        params.norm1.beta,
        params.norm2.gamma,
        params.norm2.beta,
        params.w1,
        params.b1,
        params.w2,
        params.b2,
      ]);
      tf.dispose(Object.values(params.attention));
      await runCases(cases);
    },
  }),
];
