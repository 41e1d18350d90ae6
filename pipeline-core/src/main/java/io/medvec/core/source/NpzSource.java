package io.medvec.core.source;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import io.medvec.core.data.Split;
import io.medvec.core.io.HadoopFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A MedMNIST {@code .npz} as an image source, over {@link NpzReader}: its official splits, class
 * names {@code "0".."K-1"}, ids {@code SPLIT/INDEX}. The reader holds the decoded file in memory (a
 * MedMNIST file at 28x28 is a few tens of MB); the other sources stream.
 */
public final class NpzSource implements ImageSource {

  private final Path file;
  private final MedMnist data;
  private final List<String> classes;
  private final List<Example> examples;

  public NpzSource(Configuration conf, Path file) {
    this.file = file;
    try (InputStream in = new BufferedInputStream(HadoopFiles.open(conf, file), 1 << 16)) {
      this.data = NpzReader.read(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read npz " + file, e);
    }
    this.classes = IntStream.range(0, data.numClasses()).mapToObj(Integer::toString).toList();
    List<Example> listed = new ArrayList<>();
    for (Split split : Split.values()) {
      int[] labels = data.split(split).labels();
      for (int i = 0; i < labels.length; i++) {
        String id = split.id() + "/" + i;
        listed.add(new Example(id, file + "#" + id, labels[i], split, null, null));
      }
    }
    this.examples = List.copyOf(listed);
  }

  /** The whole dataset as the reader returned it. */
  public MedMnist data() {
    return data;
  }

  @Override
  public String describe() {
    return "npz " + file;
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
    return Stream.of(wanted, this::image);
  }

  private DecodedImage image(Example e) {
    ImageSet set = data.split(e.split());
    int index = Integer.parseInt(e.id().substring(e.id().indexOf('/') + 1));
    int size = set.imageSize();
    float[] pixels = new float[size];
    System.arraycopy(set.pixels(), index * size, pixels, 0, size);
    return new DecodedImage(set.width(), set.height(), set.channels(), pixels);
  }
}
