package io.medvec.core.restore;

import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.VectorLayout;
import java.util.List;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

/**
 * Pools per-hospital batch-norm statistics as a mixture: mean = Σ w_j μ_j and var = Σ w_j (σ²_j +
 * μ_j²) − mean², with w_j proportional to each hospital's examples. With one hospital this returns
 * its statistics unchanged.
 */
public final class BnStatsMixer {

  private BnStatsMixer() {}

  /** Mixes {@code stats.get(j)} (laid out by {@code layout}) with weights {@code examples[j]}. */
  public static float[] mix(VectorLayout layout, List<float[]> stats, long[] examples) {
    if (stats.isEmpty() || stats.size() != examples.length) {
      throw new IllegalArgumentException(
          "Cannot mix batch-norm statistics: "
              + stats.size()
              + " sets for "
              + examples.length
              + " counts");
    }
    if (stats.size() == 1) {
      return stats.get(0).clone();
    }
    double total = 0;
    for (long n : examples) {
      total += n;
    }
    float[] out = new float[Math.toIntExact(layout.size())];
    for (TensorSpec mean : layout.tensors()) {
      if (mean.name().endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_MEAN)) {
        TensorSpec var = varianceOf(layout, mean);
        mixLayer(out, mean, var, stats, examples, total);
      }
    }
    return out;
  }

  private static void mixLayer(
      float[] out,
      TensorSpec mean,
      TensorSpec var,
      List<float[]> stats,
      long[] examples,
      double total) {
    int m0 = Math.toIntExact(mean.offset());
    int v0 = Math.toIntExact(var.offset());
    for (int c = 0; c < mean.length(); c++) {
      double mu = 0;
      double second = 0;
      for (int j = 0; j < stats.size(); j++) {
        double w = examples[j] / total;
        double mj = stats.get(j)[m0 + c];
        mu += w * mj;
        second += w * (stats.get(j)[v0 + c] + mj * mj);
      }
      out[m0 + c] = (float) mu;
      out[v0 + c] = (float) Math.max(0.0, second - mu * mu);
    }
  }

  private static TensorSpec varianceOf(VectorLayout layout, TensorSpec mean) {
    String layer = mean.name().substring(0, mean.name().indexOf('_') + 1);
    String name = layer + BatchNormalizationParamInitializer.GLOBAL_VAR;
    return layout.tensors().stream()
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "Cannot mix batch-norm statistics: "
                        + mean.name()
                        + " has no matching "
                        + name));
  }
}
