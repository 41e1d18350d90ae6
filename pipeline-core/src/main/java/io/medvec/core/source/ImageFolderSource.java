package io.medvec.core.source;

import io.medvec.core.data.Split;
import io.medvec.core.io.HadoopFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images in class folders: {@code ROOT/SPLIT/CLASS/*} with split folders named {@code train},
 * {@code val}, {@code test} (any subset), or {@code ROOT/CLASS/*} split by a {@link SplitRule}.
 * Class names are the class folder names in sorted order (the union over split folders); files
 * whose extension no decoder knows, hidden files and files directly under {@code ROOT} (a {@code
 * labels.csv}, say) are skipped. Example ids are paths relative to {@code ROOT}.
 */
public final class ImageFolderSource implements ImageSource {

  private static final Logger LOG = LoggerFactory.getLogger(ImageFolderSource.class);
  private static final Set<String> SPLIT_NAMES = Set.of("train", "val", "test");

  private final Configuration conf;
  private final Path root;
  private final ImageDecoders decoders;
  private final List<String> classes;
  private final List<Example> examples;
  private final boolean splitFolders;

  /**
   * Lists {@code root}.
   *
   * @param rule splits a {@code ROOT/CLASS/*} folder; unused for split folders
   */
  public ImageFolderSource(Configuration conf, Path root, SplitRule rule, ImageDecoders decoders) {
    this.conf = conf;
    this.root = root;
    this.decoders = decoders;
    FileSystem fs = fileSystem(conf, root);
    List<FileStatus> dirs = subdirectories(fs, root);
    List<String> names = dirs.stream().map(d -> d.getPath().getName()).toList();
    List<String> splitNames =
        names.stream().filter(n -> SPLIT_NAMES.contains(n.toLowerCase(Locale.ROOT))).toList();
    if (!splitNames.isEmpty() && splitNames.size() != names.size()) {
      throw new IllegalArgumentException(
          "Cannot list image folder "
              + root
              + ": split folders "
              + splitNames
              + " next to other folders, use ROOT/SPLIT/CLASS/* or ROOT/CLASS/* ("
              + names
              + ")");
    }
    this.splitFolders = !splitNames.isEmpty();
    List<Example> listed = new ArrayList<>();
    if (splitFolders) {
      TreeSet<String> classNames = new TreeSet<>();
      for (FileStatus split : dirs) {
        subdirectories(fs, split.getPath()).forEach(d -> classNames.add(d.getPath().getName()));
      }
      this.classes = List.copyOf(classNames);
      for (FileStatus split : dirs) {
        Split s = Split.parse(split.getPath().getName());
        listClasses(fs, split.getPath(), split.getPath().getName() + "/", s, listed);
      }
      this.examples = List.copyOf(listed);
    } else {
      this.classes = names;
      listClasses(fs, root, "", Split.TRAIN, listed);
      this.examples = rule.assign(listed);
    }
    if (classes.isEmpty() || examples.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot list image folder "
              + root
              + ": no class folder holds an image with one of the extensions of "
              + ImageDecoders.class.getSimpleName()
              + " ("
              + names
              + ")");
    }
    long[] counts = labelCounts(examples);
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        throw new IllegalArgumentException(
            "Cannot list image folder "
                + root
                + ": class folder '"
                + classes.get(i)
                + "' holds no image with one of the extensions of "
                + ImageDecoders.class.getSimpleName()
                + "; remove it or add its images ("
                + classes.get(i)
                + ")");
      }
    }
    LOG.info(
        "Listed image folder {}: {} images, {} classes {}, {}",
        root,
        examples.size(),
        classes.size(),
        classes,
        splitFolders ? "split by folder" : "split by " + rule);
  }

  /** Whether the split comes from {@code train}/{@code val}/{@code test} folders. */
  public boolean hasSplitFolders() {
    return splitFolders;
  }

  private void listClasses(
      FileSystem fs, Path dir, String prefix, Split split, List<Example> into) {
    for (FileStatus classDir : subdirectories(fs, dir)) {
      String className = classDir.getPath().getName();
      int label = classes.indexOf(className);
      int skipped = 0;
      for (FileStatus file : sorted(list(fs, classDir.getPath()))) {
        String name = file.getPath().getName();
        if (!file.isFile() || hidden(name)) {
          continue;
        }
        if (!decoders.accepts(name)) {
          skipped++;
          continue;
        }
        String id = prefix + className + "/" + name;
        into.add(new Example(id, file.getPath().toString(), label, split, null, null));
      }
      if (skipped > 0) {
        LOG.warn("Skipped {} files with no image extension in {}", skipped, classDir.getPath());
      }
    }
  }

  @Override
  public String describe() {
    return "image folder " + root;
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public List<Example> examples() {
    return examples;
  }

  @Override
  public Stream open(List<Example> wanted) {
    return new ByteStream(
        wanted, e -> HadoopFiles.readBytes(conf, new Path(e.location())), decoders, () -> {});
  }

  private static FileSystem fileSystem(Configuration conf, Path root) {
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.getFileStatus(root).isDirectory()) {
        throw new IllegalArgumentException(
            "Cannot list image folder: not a directory (" + root + ")");
      }
      return fs;
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot list image folder: does not exist (" + root + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list image folder " + root, e);
    }
  }

  private static List<FileStatus> subdirectories(FileSystem fs, Path dir) {
    return sorted(list(fs, dir)).stream()
        .filter(s -> s.isDirectory() && !hidden(s.getPath().getName()))
        .toList();
  }

  private static List<FileStatus> list(FileSystem fs, Path dir) {
    try {
      return Arrays.asList(fs.listStatus(dir));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list image folder " + dir, e);
    }
  }

  private static List<FileStatus> sorted(List<FileStatus> statuses) {
    List<FileStatus> copy = new ArrayList<>(statuses);
    copy.sort(Comparator.comparing(s -> s.getPath().getName()));
    return copy;
  }

  private static boolean hidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }
}
