package io.medvec.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExperimentReportTest {

  @Test
  void gapClosedIsTheShareOfTheSingleSiteToPooledGap() {
    assertThat(ExperimentReport.gapClosed(0.6900, 0.6494, 0.7214))
        .contains("**56 %**", "(0.6900 − 0.6494) / (0.7214 − 0.6494)");
    assertThat(ExperimentReport.gapClosed(0.9431, 0.9398, 0.9431)).contains("**100 %**");
    assertThat(ExperimentReport.gapClosed(0.60, 0.65, 0.70)).contains("**-100 %**");
  }

  @Test
  void outputLayerPullsArePrintedPerSeedOnlyWhenRefitted() {
    assertThat(ExperimentReport.pullsLine(java.util.Arrays.asList(1.0, 0.1, null)))
        .isEqualTo("\nOutput-layer refit μ of `merged` per seed (chosen on val): 1.000, 0.1000, kept\n");
    assertThat(ExperimentReport.pullsLine(java.util.Arrays.asList(null, null))).isEmpty();
  }

  @Test
  void noGapIsNotAPercentage() {
    assertThat(ExperimentReport.gapClosed(0.95, 0.94, 0.94)).startsWith("gap closed: n/a").doesNotContain("%");
    assertThat(ExperimentReport.gapClosed(0.95, 0.94, Double.NaN)).startsWith("gap closed: n/a");
  }
}
