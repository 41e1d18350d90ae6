package io.medvec.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench header's ISA and classifier advice, from cpuinfo flag lines. */
class CpuIsaTest {

  @Test
  void avx512NeedsFoundationByteWordAndVectorLength() {
    assertThat(CpuIsa.of(Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl")))
        .isEqualTo(CpuIsa.Isa.AVX512);
    assertThat(CpuIsa.of(Set.of("avx2", "fma", "avx512f"))).isEqualTo(CpuIsa.Isa.AVX2);
    assertThat(CpuIsa.of(Set.of("sse4_2", "avx"))).isEqualTo(CpuIsa.Isa.GENERIC);
    assertThat(CpuIsa.of(Set.of())).isEqualTo(CpuIsa.Isa.UNKNOWN);
  }

  @Test
  void adviceNamesTheMatchingClassifierAndTheBuildFlag() {
    assertThat(CpuIsa.advice(CpuIsa.Isa.AVX2, "linux-x86_64-onednn-avx2"))
        .contains("matches the CPU");
    assertThat(CpuIsa.advice(CpuIsa.Isa.AVX512, "linux-x86_64-onednn-avx2"))
        .contains("suits linux-x86_64-onednn-avx512")
        .contains("-Pavx512");
    assertThat(CpuIsa.advice(CpuIsa.Isa.GENERIC, "linux-x86_64-onednn-avx2"))
        .contains("-Pgeneric-cpu");
  }

  @Test
  void flagsAreReadFromTheFirstCpuAndExtensionsNamed(@TempDir Path dir) throws Exception {
    Path info = dir.resolve("cpuinfo");
    Files.writeString(
        info,
        "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu avx2 fma avx512f avx512bw avx512vl"
            + " avx512_vnni amx_tile\n\nprocessor\t: 1\nflags\t\t: fpu\n");
    Set<String> flags = CpuIsa.flags(info);
    assertThat(CpuIsa.of(flags)).isEqualTo(CpuIsa.Isa.AVX512);
    assertThat(CpuIsa.extensions(flags)).isEqualTo("VNNI, AMX");
    assertThat(CpuIsa.flags(dir.resolve("absent"))).isEmpty();
  }
}
