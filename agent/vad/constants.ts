/**
 * Fixed parameters of TEN VAD's front end (public C sources of TEN-framework/ten-vad: aed_st.h,
 * coeff.h, pitch_est_st.h). The ONNX model was trained on exactly these, so none is tunable.
 */

/** The model always runs on 256-sample (16 ms) frames, whatever hop the caller uses. */
export const FRAME_SIZE = 256;
/** Analysis window (Hann, periodic) spans 3 frames: 48 ms of audio per spectrum. */
export const WINDOW_SIZE = 768;
/** Window zero-padded to this FFT length. */
export const FFT_SIZE = 1024;
export const N_BINS = FFT_SIZE / 2 + 1;

/** Pre-emphasis coefficient applied to the spectrum path (not to the pitch path). */
export const PRE_EMPHASIS = 0.97;

export const N_MEL = 40;
/** 40 log-mel energies + 1 pitch frequency. */
export const N_FEATURES = N_MEL + 1;
/** The model sees the current feature frame and the two before it. */
export const CONTEXT_FRAMES = 3;
export const HIDDEN_DIM = 64;

/**
 * The C library clears the recurrent state after every 1875 model frames (30 s), so long streams
 * never drift into a state the model was not trained on. The feature stack is kept.
 */
export const STATE_RESET_FRAMES = 1875;

/** Band powers are normalised by full-scale int16 power before the log. */
export const POWER_NORMALISER = 32768 * 32768;
export const LOG_EPS = 1e-20;

/** Per-feature normalisation (z-score) learnt with the model: 40 log-mel means, then pitch (Hz). */
export const FEATURE_MEANS = Float32Array.of(
  -8.198236465454,
  -6.265716552734,
  -5.483818531036,
  -4.758691310883,
  -4.417088985443,
  -4.142892837524,
  -3.91285037994,
  -3.84592795372,
  -3.657090425491,
  -3.723418712616,
  -3.876134157181,
  -3.84389090538,
  -3.690405130386,
  -3.75606584549,
  -3.698696136475,
  -3.650463104248,
  -3.70046877861,
  -3.567321300507,
  -3.498900175095,
  -3.477807044983,
  -3.458816051483,
  -3.444923877716,
  -3.40132856369,
  -3.306261301041,
  -3.27855682373,
  -3.2332508564,
  -3.198616027832,
  -3.204526424408,
  -3.208798646927,
  -3.257838010788,
  -3.381376743317,
  -3.534021377563,
  -3.640867948532,
  -3.726858854294,
  -3.773730993271,
  -3.804667234421,
  -3.832901000977,
  -3.871120452881,
  -3.990592956543,
  -4.480289459229,
  92.3569030762,
);

export const FEATURE_STDS = Float32Array.of(
  5.166063785553,
  4.977209568024,
  4.698895931244,
  4.630621433258,
  4.634347915649,
  4.641156196594,
  4.640676498413,
  4.666367053986,
  4.650534629822,
  4.640020847321,
  4.637400150299,
  4.620099067688,
  4.596316337585,
  4.562654972076,
  4.554360389709,
  4.566910743713,
  4.56248998642,
  4.5624127388,
  4.585299491882,
  4.600179672241,
  4.592845916748,
  4.585922718048,
  4.583496570587,
  4.626092910767,
  4.626957893372,
  4.626289367676,
  4.637005805969,
  4.683015823364,
  4.726813793182,
  4.734289646149,
  4.753227233887,
  4.849722862244,
  4.869434833527,
  4.884482860565,
  4.921327114105,
  4.959212303162,
  4.996619224548,
  5.044823646545,
  5.07221698761,
  5.096439361572,
  115.2136917114,
);
