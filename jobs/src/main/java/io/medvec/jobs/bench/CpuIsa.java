package io.medvec.jobs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The widest vector instruction set the CPU offers (from the {@code flags} line of {@code
 * /proc/cpuinfo}) and which ND4J native classifier suits it, for the bench header: a figure is only
 * comparable with figures from the same ISA.
 */
final class CpuIsa {

  /** The widest ISA a CPU with these flags supports. */
  enum Isa {
    AVX512("AVX-512", "linux-x86_64-onednn-avx512", "-Pavx512"),
    AVX2("AVX2", "linux-x86_64-onednn-avx2", "(the default build)"),
    GENERIC("no AVX2", "linux-x86_64-onednn", "-Pgeneric-cpu"),
    UNKNOWN("unknown (no /proc/cpuinfo flags)", null, null);

    final String label;
    final String classifier;
    final String buildFlag;

    Isa(String label, String classifier, String buildFlag) {
      this.label = label;
      this.classifier = classifier;
      this.buildFlag = buildFlag;
    }
  }

  /** Linux's CPU description. */
  static final Path CPUINFO = Path.of("/proc/cpuinfo");

  private CpuIsa() {}

  /**
   * The ISA of a flags set; AVX-512 needs its foundation (f), byte/word (bw) and vector-length (vl)
   * parts.
   */
  static Isa of(Set<String> flags) {
    if (flags.isEmpty()) {
      return Isa.UNKNOWN;
    }
    if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl"))) {
      return Isa.AVX512;
    }
    if (flags.contains("avx2") && flags.contains("fma")) {
      return Isa.AVX2;
    }
    return Isa.GENERIC;
  }

  /** The extensions worth naming beside the ISA (they change oneDNN's kernels): VNNI, BF16, AMX. */
  static String extensions(Set<String> flags) {
    StringBuilder out = new StringBuilder();
    for (String[] named :
        new String[][] {
          {"avx512_vnni", "VNNI"},
          {"avx512_bf16", "BF16"},
          {"amx_tile", "AMX"},
          {"avx_vnni", "AVX-VNNI"}
        }) {
      if (flags.contains(named[0])) {
        out.append(out.isEmpty() ? "" : ", ").append(named[1]);
      }
    }
    return out.toString();
  }

  /**
   * What the header says about the bundled classifier: that it matches the CPU, or which build
   * would match and why this one still runs.
   */
  static String advice(Isa isa, String bundled) {
    String have = bundled == null ? "unknown" : bundled;
    if (isa.classifier == null) {
      return "ND4J native " + have;
    }
    if (isa.classifier.equals(bundled)) {
      return "ND4J native " + have + " (matches the CPU)";
    }
    return "ND4J native "
        + have
        + "; this CPU suits "
        + isa.classifier
        + " (build with "
        + isa.buildFlag
        + "; oneDNN's convolution kernels are chosen at run time either way, only ND4J's own loops"
        + " differ)";
  }

  /** The flags of the first CPU in {@code cpuinfo}, empty when unreadable. */
  static Set<String> flags(Path cpuinfo) {
    return field(cpuinfo, "flags")
        .map(line -> (Set<String>) new HashSet<>(Arrays.asList(line.split("\\s+"))))
        .orElse(Set.of());
  }

  /**
   * The value of the first {@code key : value} line of {@code cpuinfo} whose key starts with {@code
   * key} (the first CPU's), stripped; empty when absent or unreadable (it is informative only).
   */
  static Optional<String> field(Path cpuinfo, String key) {
    try {
      if (Files.isReadable(cpuinfo)) {
        for (String line : Files.readAllLines(cpuinfo)) {
          if (line.startsWith(key)) {
            return Optional.of(line.substring(line.indexOf(':') + 1).strip());
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // fall through: informative only
    }
    return Optional.empty();
  }

  /** The header's ISA phrase for this machine. */
  static String describe(String bundled) {
    Set<String> flags = flags(CPUINFO);
    Isa isa = of(flags);
    String ext = extensions(flags);
    return "vector ISA "
        + isa.label
        + (ext.isEmpty() ? "" : " (" + ext + ")")
        + ", "
        + advice(isa, bundled);
  }
}
