import io.medvec.core.serve.MergedModel;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Scores image files with a merged model directory, as a hospital's JVM service would: one line per
 * image, its predicted class and that class's probability.
 *
 * <pre>
 * java -cp "$(bin/medvec classpath)" examples/ScoreImages.java MODEL_DIR IMAGE...
 * </pre>
 */
public class ScoreImages {
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: java -cp \"$(bin/medvec classpath)\" examples/ScoreImages.java MODEL_DIR IMAGE...");
      System.exit(2);
    }
    MergedModel model = MergedModel.load(Path.of(args[0]));
    System.out.println("classes: " + model.classes());
    for (int i = 1; i < args.length; i++) {
      MergedModel.Prediction p = model.predict(Path.of(args[i]));
      System.out.printf(
          Locale.ROOT, "%s\t%s\t%.6f%n", args[i], p.className(), p.probability(p.className()));
    }
  }
}
