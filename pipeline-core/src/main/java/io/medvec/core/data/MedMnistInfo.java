package io.medvec.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The single-label 2D MedMNIST v2 datasets at 28x28 (Zenodo record 6496656): class count, channel
 * count and the official MD5 of the {@code .npz}. ChestMNIST is left out on purpose: it is
 * multi-label (labels of shape (N, 14)), which {@link ImageSet} does not model.
 */
public enum MedMnistInfo {
  PATHMNIST(9, 3, "a8b06965200029087d5bd730944a56c1"),
  DERMAMNIST(7, 3, "0744692d530f8e62ec473284d019b0c7"),
  OCTMNIST(4, 1, "c68d92d5b585d8d81f7112f81e2d0842"),
  PNEUMONIAMNIST(2, 1, "28209eda62fecd6e6a2d98b1501bb15f"),
  RETINAMNIST(5, 3, "bd4c0672f1bba3e3a89f0e4e876791e4"),
  BREASTMNIST(2, 1, "750601b1f35ba3300ea97c75c52ff8f6"),
  BLOODMNIST(8, 3, "7053d0359d879ad8a5505303e11de1dc"),
  TISSUEMNIST(8, 1, "ebe78ee8b05294063de985d821c1c34b"),
  ORGANAMNIST(11, 1, "866b832ed4eeba67bfb9edee1d5544e6"),
  ORGANCMNIST(11, 1, "0afa5834fb105f7705a7d93372119a21"),
  ORGANSMNIST(11, 1, "e5c39f1af030238290b9557d9503af9d");

  private final int numClasses;
  private final int channels;
  private final String md5;

  MedMnistInfo(int numClasses, int channels, String md5) {
    this.numClasses = numClasses;
    this.channels = channels;
    this.md5 = md5;
  }

  /** File and dataset name, e.g. {@code pneumoniamnist}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public int numClasses() {
    return numClasses;
  }

  public int channels() {
    return channels;
  }

  /**
   * Class names in label order, from the MedMNIST v2 {@code INFO} label tables; the label indices
   * {@code "0".."K-1"} for datasets whose names are not listed here.
   */
  public List<String> classNames() {
    List<String> names =
        switch (this) {
          case PNEUMONIAMNIST -> List.of("normal", "pneumonia");
          case RETINAMNIST ->
              List.of(
                  "no apparent retinopathy", "mild NPDR", "moderate NPDR", "severe NPDR", "PDR");
          case DERMAMNIST ->
              List.of(
                  "actinic keratoses and intraepithelial carcinoma",
                  "basal cell carcinoma",
                  "benign keratosis-like lesions",
                  "dermatofibroma",
                  "melanoma",
                  "melanocytic nevi",
                  "vascular lesions");
          case OCTMNIST ->
              List.of("choroidal neovascularization", "diabetic macular edema", "drusen", "normal");
          case BREASTMNIST -> List.of("malignant", "normal, benign");
          case BLOODMNIST ->
              List.of(
                  "basophil",
                  "eosinophil",
                  "erythroblast",
                  "immature granulocytes",
                  "lymphocyte",
                  "monocyte",
                  "neutrophil",
                  "platelet");
          default -> List.of();
        };
    return names.isEmpty()
        ? java.util.stream.IntStream.range(0, numClasses).mapToObj(Integer::toString).toList()
        : names;
  }

  /** Official MD5 of {@code <id>.npz}, lower-case hex. */
  public String md5() {
    return md5;
  }

  /** The known dataset with this name (case-insensitive), if any. */
  public static Optional<MedMnistInfo> find(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(i -> i.id().equals(wanted)).findFirst();
  }

  /**
   * The known dataset with this name.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static MedMnistInfo parse(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    String.format(
                        "Cannot find MedMNIST dataset: unknown name (%s), known names: %s",
                        name, ids())));
  }

  static List<String> ids() {
    return Arrays.stream(values()).map(MedMnistInfo::id).toList();
  }
}
