package io.medvec.jobs.experiment;

import io.medvec.core.merge.strategy.MergeStrategies;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The experiment report's charts: white background, full model names, error bars of one standard
 * deviation over seeds, and one colour per model kind that is the same in every chart.
 */
final class ReportCharts {

  /** One model kind's per-seed values of one metric, shown under {@code label}. */
  record Series(String kind, String label, double[] perSeed) {}

  /** One model kind's per-seed values of one metric at each number of hospitals K. */
  record Curve(String kind, SortedMap<Integer, double[]> perSeedByK) {}

  /**
   * Colours of the fixed kinds; the {@code merged} variants share a hue, baselines are neutral, so
   * a reader finds a kind by colour in every chart.
   */
  private static final Map<String, Color> KIND_COLOURS =
      Map.of(
          "pretrained",
          new Color(0x7f7f7f),
          "single_site",
          new Color(0xc5b0d5),
          "best_single_site",
          new Color(0x9467bd),
          "mean",
          new Color(0xff7f0e),
          "merged",
          new Color(0x1f77b4),
          "merged_no_bn_restore",
          new Color(0x9ecae9),
          "random_vector",
          new Color(0x8c564b),
          "pooled",
          new Color(0x2ca02c));

  /** Colours of the strategy controls, in the registry's (sorted) order of strategy names. */
  private static final List<Color> STRATEGY_COLOURS =
      List.of(
          new Color(0x17becf),
          new Color(0xbcbd22),
          new Color(0xe377c2),
          new Color(0xd62728),
          new Color(0x393b79),
          new Color(0xe7ba52),
          new Color(0x637939),
          new Color(0xad494a));

  private static final Color GRID = new Color(0xdddddd);

  private static final Shape DOT = new Ellipse2D.Double(-4, -4, 8, 8);

  private ReportCharts() {}

  /**
   * The colour of a model kind: fixed for the kinds every cell scores and for each registered
   * strategy.
   */
  static Color colour(String kind) {
    Color fixed = KIND_COLOURS.get(kind);
    if (fixed != null) {
      return fixed;
    }
    List<String> strategies = new ArrayList<>(MergeStrategies.names());
    int index =
        kind.startsWith("strategy_") ? strategies.indexOf(EquivalentStrategies.strategy(kind)) : -1;
    int slot = index >= 0 ? index : Math.floorMod(kind.hashCode(), STRATEGY_COLOURS.size());
    return STRATEGY_COLOURS.get(slot % STRATEGY_COLOURS.size());
  }

  /**
   * Horizontal bars, one panel per metric (key: the value axis' label), one bar per series: the
   * mean over seeds with an error bar of ± one standard deviation.
   */
  static JFreeChart bars(String title, String subtitle, Map<String, List<Series>> panels) {
    CategoryAxis models = new CategoryAxis(null);
    models.setMaximumCategoryLabelWidthRatio(0.45f);
    models.setCategoryMargin(0.25);
    CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(models);
    plot.setOrientation(PlotOrientation.HORIZONTAL);
    plot.setGap(16);
    panels.forEach((metric, series) -> plot.add(barPanel(metric, series), 1));
    return chart(title, subtitle, plot, false);
  }

  /**
   * The panel's dataset: row "mean ± std", one column per series label; no std (no error bar) for a
   * single seed.
   */
  static DefaultStatisticalCategoryDataset statistics(List<Series> series) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    for (Series s : series) {
      Double std = s.perSeed().length < 2 ? null : ExperimentReport.std(s.perSeed());
      data.add((Number) ExperimentReport.mean(s.perSeed()), std, "mean ± std", s.label());
    }
    return data;
  }

  private static CategoryPlot barPanel(String metric, List<Series> series) {
    List<Paint> paints = series.stream().<Paint>map(s -> colour(s.kind())).toList();
    StatisticalBarRenderer renderer =
        new StatisticalBarRenderer() {
          @Override
          public Paint getItemPaint(int row, int column) {
            return paints.get(column);
          }
        };
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setDrawBarOutline(false);
    renderer.setErrorIndicatorPaint(Color.BLACK);
    renderer.setErrorIndicatorStroke(new BasicStroke(1.5f));
    // differences between models are a few points: an axis from 0 would hide them
    renderer.setIncludeBaseInRange(false);
    NumberAxis value = valueAxis(metric);
    // room left of the lowest bar's error bar, so that no bar has zero length
    value.setLowerMargin(0.15);
    CategoryPlot panel = new CategoryPlot(statistics(series), null, value, renderer);
    panel.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
    whiteBackground(panel);
    return panel;
  }

  /**
   * Metric against K, one panel per metric (key: the value axis' label), one line per model kind
   * with error bars of ± one standard deviation over seeds; empty when the curves have fewer than
   * two values of K, since a single K draws no curve.
   */
  static Optional<JFreeChart> byHospitals(
      String title, String subtitle, Map<String, List<Curve>> panels) {
    long ks =
        panels.values().stream()
            .flatMap(List::stream)
            .flatMap(c -> c.perSeedByK().keySet().stream())
            .distinct()
            .count();
    if (ks < 2) {
      return Optional.empty();
    }
    NumberAxis hospitals = new NumberAxis("hospitals (K)");
    hospitals.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    hospitals.setAutoRangeIncludesZero(false);
    CombinedDomainXYPlot plot =
        new CombinedDomainXYPlot(hospitals) {
          @Override
          public LegendItemCollection getLegendItems() {
            return distinct(super.getLegendItems());
          }
        };
    plot.setGap(12);
    panels.forEach((metric, curves) -> plot.add(curvePanel(metric, curves), 1));
    return Optional.of(chart(title, subtitle, plot, true));
  }

  /** The panel's dataset: one series per kind, at each K the mean over seeds and mean ± std. */
  static YIntervalSeriesCollection curves(List<Curve> curves) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (Curve curve : curves) {
      YIntervalSeries series = new YIntervalSeries(curve.kind());
      curve
          .perSeedByK()
          .forEach(
              (k, values) -> {
                double m = ExperimentReport.mean(values);
                double s = ExperimentReport.std(values);
                if (!Double.isNaN(m)) {
                  series.add(k, m, m - s, m + s);
                }
              });
      data.addSeries(series);
    }
    return data;
  }

  private static XYPlot curvePanel(String metric, List<Curve> curves) {
    XYErrorRenderer renderer = new XYErrorRenderer();
    renderer.setDrawXError(false);
    renderer.setDefaultLinesVisible(true);
    renderer.setCapLength(6);
    for (int i = 0; i < curves.size(); i++) {
      renderer.setSeriesPaint(i, colour(curves.get(i).kind()));
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      renderer.setSeriesShape(i, DOT);
    }
    XYPlot panel = new XYPlot(curves(curves), null, valueAxis(metric), renderer);
    whiteBackground(panel);
    return panel;
  }

  /**
   * Validation score of {@code merged} against λ, one line per series (a cell of the protocol), in
   * shades of {@code merged}'s colour.
   */
  static JFreeChart lambda(String title, String subtitle, String metric, XYSeriesCollection data) {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    int n = data.getSeriesCount();
    for (int i = 0; i < n; i++) {
      float t = n == 1 ? 0 : (float) i / (n - 1);
      renderer.setSeriesPaint(
          i, new Color(mix(0x08, 0x6b, t), mix(0x30, 0xae, t), mix(0x6b, 0xd6, t)));
      renderer.setSeriesShape(i, DOT);
    }
    XYPlot plot = new XYPlot(data, new NumberAxis("λ"), valueAxis(metric), renderer);
    whiteBackground(plot);
    return chart(title, subtitle, plot, data.getSeriesCount() <= 12);
  }

  private static int mix(int from, int to, float t) {
    return Math.round(from + (to - from) * t);
  }

  /** A value axis zoomed to the data; a range of one value still shows readable ticks. */
  private static NumberAxis valueAxis(String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setAutoRangeIncludesZero(false);
    axis.setAutoRangeMinimumSize(0.01);
    return axis;
  }

  /** The first legend item of each label (the panels of a combined plot repeat their series). */
  private static LegendItemCollection distinct(LegendItemCollection items) {
    LegendItemCollection out = new LegendItemCollection();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.getItemCount(); i++) {
      if (seen.add(items.get(i).getLabel())) {
        out.add(items.get(i));
      }
    }
    return out;
  }

  private static JFreeChart chart(
      String title, String subtitle, org.jfree.chart.plot.Plot plot, boolean legend) {
    JFreeChart chart =
        new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, legend);
    chart.setBackgroundPaint(Color.WHITE);
    chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
    if (chart.getLegend() != null) {
      chart.getLegend().setBackgroundPaint(Color.WHITE);
      chart.getLegend().setFrame(BlockBorder.NONE);
    }
    return chart;
  }

  private static void whiteBackground(CategoryPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlineVisible(false);
    plot.setRangeGridlinePaint(GRID);
    plot.setDomainGridlinesVisible(false);
  }

  private static void whiteBackground(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlineVisible(false);
    plot.setRangeGridlinePaint(GRID);
    plot.setDomainGridlinePaint(GRID);
  }
}
