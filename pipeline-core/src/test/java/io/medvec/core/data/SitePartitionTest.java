package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageDecoders;
import io.medvec.core.source.ManifestColumns;
import io.medvec.core.source.ManifestSource;
import io.medvec.core.source.SplitRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link HospitalPartitioner#assignBySite} on the real ISIC table ({@code isic-skin/labels.csv}):
 * its clinics become hospitals with their own label mixes, small clinics follow the documented
 * rule, and site values that cannot name a hospital are refused naming them.
 */
class SitePartitionTest {

  static int[] labels;
  static String[] sites;

  /** Train-split site counts straight from labels.csv, without the source classes. */
  static Map<String, Integer> trainPerSite = new TreeMap<>();

  @BeforeAll
  static void readIsic() throws IOException {
    Path csv = TestData.sharedDir().resolve("isic-skin/labels.csv");
    ManifestSource source =
        new ManifestSource(
            new Configuration(false),
            new org.apache.hadoop.fs.Path(csv.toUri()),
            new ManifestColumns("file", "", "label", "dx", "split", "site", ""),
            List.of(),
            new SplitRule(0.1, 0.1, 1),
            ImageDecoders.standard());
    List<Example> train = source.examples(Split.TRAIN);
    labels = train.stream().mapToInt(Example::label).toArray();
    sites = train.stream().map(Example::site).toArray(String[]::new);
    for (String line : Files.readAllLines(csv).subList(1, 2360)) {
      String[] f = line.split(",", -1);
      if (f[2].equals("train")) {
        trainPerSite.merge(f[5], 1, Integer::sum);
      }
    }
  }

  @Test
  void everyClinicWithEnoughImagesIsAHospitalAndTheTinyOneJoinsThePublicPool() {
    HospitalPartitioner.SitePartition p =
        HospitalPartitioner.assignBySite(
            labels, sites, 9, PartitionSpec.byColumn(0.1, "site", 50, 7));
    Assignment a = p.assignment();
    assertThat(a.ids())
        .containsExactly("isic_archive", "rosendahl", "vidir_modern", "vidir_molemax");
    assertThat(p.mergedSites()).containsExactly("vienna_dias");
    assertThat(p.hospitalOfSite()).containsEntry("vienna_dias", "public");
    assertThat(publicOf(a, "vienna_dias")).isEqualTo(trainPerSite.get("vienna_dias"));
    int intoPublic = p.mergedIntoPublic();
    assertThat(intoPublic).isBetween(1, trainPerSite.get("vienna_dias"));
    long publicPool = a.size(Assignment.PUBLIC);
    long totalHospitals = 0;
    for (int h = 0; h < a.hospitals(); h++) {
      String site = a.id(h);
      int[] mine = a.hospitalIndices(h);
      assertThat(Arrays.stream(mine).mapToObj(i -> sites[i])).containsOnly(site);
      // every training image of the site is either at its hospital or in the public pool
      assertThat(mine.length + publicOf(a, site)).isEqualTo(trainPerSite.get(site));
      totalHospitals += mine.length;
    }
    assertThat(totalHospitals + publicPool).isEqualTo(labels.length);
    // the public pool is about a tenth of each class, plus the tiny clinic's rest
    assertThat(publicPool - intoPublic).isBetween(labels.length / 10L - 9, labels.length / 10L + 9);
  }

  @Test
  void clinicsKeepTheirOwnLabelMixes() {
    Assignment a =
        HospitalPartitioner.assignBySite(
                labels, sites, 9, PartitionSpec.byColumn(0.05, "site", 50, 7))
            .assignment();
    int melanoma = 3;
    long[] archive = a.labelCounts(a.ids().indexOf("isic_archive"));
    long[] rosendahl = a.labelCounts(a.ids().indexOf("rosendahl"));
    // melanoma almost only in the ISIC archive (README): the skew is real, not simulated
    assertThat(archive[melanoma]).isGreaterThan(10 * Math.max(1, rosendahl[melanoma]));
    assertThat(Arrays.stream(rosendahl).filter(c -> c > 0).count()).isLessThan(9).isGreaterThan(1);
  }

  @Test
  void aLowerMinimumKeepsTheSmallClinicAsItsOwnHospitalAndMergingSmallSitesMakesOther() {
    Assignment own =
        HospitalPartitioner.assignBySite(
                labels, sites, 9, PartitionSpec.byColumn(0.0, "site", 10, 7))
            .assignment();
    assertThat(own.ids()).contains("vienna_dias");
    assertThat(own.size(own.ids().indexOf("vienna_dias"))).isEqualTo(14);
    // 150: vidir_molemax (140) and vienna_dias (14) together reach it, so they become "other"
    HospitalPartitioner.SitePartition merged =
        HospitalPartitioner.assignBySite(
            labels, sites, 9, PartitionSpec.byColumn(0.0, "site", 150, 7));
    assertThat(merged.assignment().ids())
        .containsExactly("isic_archive", "rosendahl", "vidir_modern", "other");
    assertThat(merged.mergedSites()).containsExactly("vidir_molemax", "vienna_dias");
    Assignment m = merged.assignment();
    assertThat(m.size(m.ids().indexOf("other"))).isEqualTo(154);
    assertThat(merged.mergedIntoPublic()).isZero();
  }

  @Test
  void sameSeedSameAssignmentOtherSeedOtherPublicPool() {
    PartitionSpec spec = PartitionSpec.byColumn(0.1, "site", 50, 7);
    assertThat(HospitalPartitioner.assignBySite(labels, sites, 9, spec))
        .isEqualTo(HospitalPartitioner.assignBySite(labels, sites, 9, spec));
    assertThat(
            HospitalPartitioner.assignBySite(
                    labels, sites, 9, PartitionSpec.byColumn(0.1, "site", 50, 8))
                .assignment()
                .publicIndices())
        .isNotEqualTo(
            HospitalPartitioner.assignBySite(labels, sites, 9, spec).assignment().publicIndices());
  }

  @Test
  void siteValuesAreSanitizedOrRefusedNamingThem() {
    String[] renamed = sites.clone();
    for (int i = 0; i < renamed.length; i++) {
      if (renamed[i].equals("rosendahl")) {
        renamed[i] = "St. Anna's (Vienna)";
      }
    }
    assertThat(
            HospitalPartitioner.assignBySite(
                    labels, renamed, 9, PartitionSpec.byColumn(0.1, "site", 50, 7))
                .assignment()
                .ids())
        .contains("St__Anna_s__Vienna_");
    assertThatThrownBy(() -> bySite(replace("rosendahl", "public")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "Cannot partition by column site: site 'public' cannot name a hospital")
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> bySite(replace("rosendahl", "_hidden")))
        .hasMessageContaining("site '_hidden' cannot name a hospital");
    assertThatThrownBy(() -> bySite(replace("rosendahl", "vidir modern")))
        .hasMessageContaining("sites 'vidir modern' and 'vidir_modern' would both be hospital")
        .hasMessageContaining("vidir_modern");
    String[] missing = replace("rosendahl", "rosendahl");
    missing[5] = "";
    assertThatThrownBy(() -> bySite(missing))
        .hasMessageContaining("Cannot partition by column site: training example 5 has no value");
    assertThatThrownBy(() -> bySite(replace("rosendahl", "other")))
        .hasMessageContaining("site 'other' has the id of the hospital")
        .hasMessageContaining("[vienna_dias]");
  }

  @Test
  void aPlainPartitionSpecCannotDealByColumn() {
    assertThatThrownBy(
            () -> HospitalPartitioner.assign(labels, 9, PartitionSpec.byColumn(0.1, "site", 50, 7)))
        .hasMessageContaining("Cannot partition by column site without its values");
    assertThatThrownBy(() -> PartitionSpec.byColumn(0.1, " ", 50, 7))
        .hasMessageContaining("mode by-column needs a column");
    assertThat(PartitionMode.parse("by-column")).isSameAs(PartitionMode.BY_COLUMN);
  }

  private static HospitalPartitioner.SitePartition bySite(String[] s) {
    return HospitalPartitioner.assignBySite(
        labels, s, 9, PartitionSpec.byColumn(0.1, "site", 50, 7));
  }

  private static String[] replace(String from, String to) {
    String[] out = sites.clone();
    Map<String, String> m = new HashMap<>(Map.of(from, to));
    for (int i = 0; i < out.length; i++) {
      out[i] = m.getOrDefault(out[i], out[i]);
    }
    return out;
  }

  private static int publicOf(Assignment a, String site) {
    return (int) Arrays.stream(a.publicIndices()).filter(i -> sites[i].equals(site)).count();
  }
}
