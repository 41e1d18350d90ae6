package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.OutputLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code partition.mode: by-column} through the partition job: the real ISIC table's clinics become
 * the hospitals of the assignment; sources without columns are refused naming the column.
 */
class PartitionBySiteIT {

  @TempDir Path tmp;

  static ConfigMap config(Path out, Path data, String... more) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run-id=sites",
                "out=" + out,
                "data.path=" + data,
                "partition.mode=by-column",
                "partition.column=site",
                "partition.public-fraction=0.1",
                "data.columns.path=file",
                "data.columns.class-name=dx",
                "data.columns.patient-id="));
    all.addAll(List.of(more));
    ConfigMap map = ConfigMap.empty().withOverrides(all);
    return map;
  }

  @Test
  void isicClinicsBecomeTheHospitals() {
    Path out = tmp.resolve("out");
    Path csv = SparkTests.sharedData().resolve("isic-skin/labels.csv");
    ConfigMap map = config(out, csv);
    PartitionDataJob.Result result =
        new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    map.rejectUnknown();
    assertThat(result.mode()).isEqualTo("by-column");
    assertThat(result.hospitals()).isEqualTo(4);
    assertThat(result.mergedSites()).containsExactly("vienna_dias");
    assertThat(result.hospitalOfSite())
        .containsEntry("rosendahl", "rosendahl")
        .containsEntry("vienna_dias", "public");
    Map<String, int[]> read =
        new AssignmentStore(
                new Configuration(),
                new OutputLayout(new org.apache.hadoop.fs.Path(out.toUri()), "sites"))
            .read();
    assertThat(read.keySet())
        .containsExactlyInAnyOrder(
            "public", "isic_archive", "rosendahl", "vidir_modern", "vidir_molemax");
    int total = read.values().stream().mapToInt(a -> a.length).sum();
    // every training example the jobs see: labels.csv's train rows less the val split carved
    // from them (the table has none of its own)
    List<io.medvec.core.source.Example> train =
        io.medvec.core.source.SourceData.splits(
                io.medvec.core.source.ImageSources.open(
                    new Configuration(),
                    new org.apache.hadoop.fs.Path(csv.toUri()),
                    io.medvec.core.source.SourceConfig.from(config(out, csv))),
                io.medvec.core.source.SourceConfig.from(config(out, csv)).splitRule())
            .get(io.medvec.core.data.Split.TRAIN);
    assertThat(total).isEqualTo(train.size());
    assertThat(train.size()).isBetween(2241 * 3 / 4, 2240); // 2,241 train rows in labels.csv
    assertThat(result.labelCounts().get("isic_archive").get(3)) // melanoma
        .isGreaterThan(10 * Math.max(1, result.labelCounts().get("rosendahl").get(3)));
  }

  @Test
  void anNpzHasNoColumnToPartitionBy() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("npz-out"));
    Path npz = SparkTests.sharedData().resolve("pneumoniamnist.npz");
    Throwable e =
        BadInputIT.refused(
            out,
            () ->
                new PartitionDataJob(
                        SparkTests.spark(), PartitionDataJob.Config.from(config(out, npz)))
                    .run());
    assertThat(e)
        .hasMessageContaining("Cannot partition by column site: ")
        .hasMessageContaining(npz.getFileName() + " is a MedMNIST .npz, which has no columns");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    Path folder = SparkTests.sharedData().resolve("ham10000_sample70");
    Throwable f =
        BadInputIT.refused(
            out,
            () ->
                new PartitionDataJob(
                        SparkTests.spark(), PartitionDataJob.Config.from(config(out, folder)))
                    .run());
    assertThat(f).hasMessageContaining("is an image folder, which has no columns");
    assertThat(ExitCode.of(f)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void aSiteValueThatCannotNameAHospitalIsRefusedNamingIt() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("bad-site-out"));
    Path csv = tmp.resolve("isic-skin/labels.csv");
    Files.createDirectories(csv.getParent());
    List<String> lines =
        new ArrayList<>(
            Files.readAllLines(SparkTests.sharedData().resolve("isic-skin/labels.csv")));
    lines.replaceAll(l -> l.replace(",rosendahl,", ",pooled,"));
    Files.write(csv, lines);
    Throwable e =
        BadInputIT.refused(
            out,
            () ->
                new PartitionDataJob(
                        SparkTests.spark(), PartitionDataJob.Config.from(config(out, csv)))
                    .run());
    assertThat(e)
        .hasMessageContaining(
            "Cannot partition by column site: site 'pooled' cannot name a hospital")
        .hasMessageContaining("reserved");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }
}
