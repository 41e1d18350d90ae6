package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.data.Assignment;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.data.PartitionSpec;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssignmentStoreTest {

  private final Configuration conf = new Configuration();
  @TempDir java.nio.file.Path dir;

  private AssignmentStore store() {
    return new AssignmentStore(conf, new OutputLayout(new Path(dir.toUri()), "r1"));
  }

  private static Assignment assignment() {
    PartitionSpec spec = new PartitionSpec(0.2, 2, PartitionMode.IID, 0.5, 7, 1);
    return new Assignment(
        spec,
        new int[] {1, Assignment.PUBLIC, 0, 1, 0, Assignment.PUBLIC},
        new int[] {0, 1, 0, 1, 1, 0},
        2);
  }

  @Test
  void writtenAssignmentReadsBackPerHospitalInIndexOrder() {
    store()
        .write(assignment(), Map.of("result", new AssignmentStore.Protocol(2, "iid", 0.5, 0.2, 7)));
    Map<String, int[]> read = store().read();
    assertThat(read.keySet()).containsExactly("h0", "h1", AssignmentStore.PUBLIC_POOL);
    assertThat(read.get("h0")).containsExactly(2, 4);
    assertThat(read.get("h1")).containsExactly(0, 3);
    assertThat(store().publicPool()).containsExactly(1, 5);
    assertThat(store().protocol()).contains(new AssignmentStore.Protocol(2, "iid", 0.5, 0.2, 7));
    assertThat(store().assignmentFile().toString())
        .endsWith("/runs/r1/partition/assignment.parquet");
  }

  @Test
  void missingAssignmentIsRefusedNamingItsDirectory() {
    assertThat(store().protocol()).isEmpty();
    assertThatThrownBy(() -> store().read())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot read hospital assignment: ")
        .hasMessageContaining(
            "/runs/r1/partition is missing or incomplete (run the partition job first)");
  }
}
