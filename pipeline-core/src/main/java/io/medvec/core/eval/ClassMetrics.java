package io.medvec.core.eval;

/**
 * One class's precision, recall and F1 from a confusion matrix (argmax predictions), with
 * scikit-learn's {@code zero_division=0}: an undefined ratio is 0.
 *
 * @param label class index
 * @param support examples whose true class is {@code label}
 * @param precision TP / (TP + FP)
 * @param recall TP / (TP + FN), the class's sensitivity
 * @param f1 2·TP / (2·TP + FP + FN)
 */
public record ClassMetrics(int label, long support, double precision, double recall, double f1) {}
