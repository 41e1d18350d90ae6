package io.medvec.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.Restoration;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

class MergeSelectionTest {

  private static LambdaSearch.Grid grid(List<Double> lambdas) {
    MedMnist data = TestData.pneumonia();
    MultiLayerNetwork base =
        NetworkFactory.build(
            new NetworkSpec(
                data.channels(), 28, 28, data.numClasses(), List.of(2), 3, true, 4, 1e-3, 5));
    ImageSet validation = data.val().subset(TestData.first(64));
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    return new LambdaSearch.Grid(
        Network.of(base),
        layout,
        validation,
        LambdaSearch.Scope.MODEL,
        lambdas,
        LambdaSearch.Metric.LOG_LOSS,
        32);
  }

  @Test
  void everyStrategyAndPullIsTriedInOrderAndATieKeepsTheFirst() {
    LambdaSearch.Grid grid = grid(List.of(0.5, 1.0));
    float[] zero = new float[Math.toIntExact(grid.layout().size())];
    List<String> computed = new ArrayList<>();
    MergeSelection.Chosen chosen =
        MergeSelection.select(
            grid,
            List.of("a", "b"),
            Arrays.asList(null, 2.0),
            name -> {
              computed.add(name);
              return zero;
            },
            mu -> Restoration.of(BnStatsMode.PRETRAINED, null, List.of(), null, 32));

    assertThat(computed).as("one direction per strategy").containsExactly("a", "b");
    assertThat(chosen.tried())
        .extracting(MergeSelection.Candidate::strategy)
        .containsExactly("a", "a", "b", "b");
    assertThat(chosen.tried())
        .extracting(MergeSelection.Candidate::outputLayerPull)
        .containsExactly(null, 2.0, null, 2.0);
    // a zero direction scores the same at every λ, strategy and μ: the first candidate wins
    assertThat(chosen.strategy()).isEqualTo("a");
    assertThat(chosen.outputLayerPull()).isNull();
    assertThat(chosen.choice().lambda()).isEqualTo(0.5);
    assertThat(chosen.direction()).isSameAs(zero);
  }

  @Test
  void nothingToChooseFromIsRefused() {
    LambdaSearch.Grid grid = grid(List.of(1.0));
    assertThatThrownBy(
            () -> MergeSelection.select(grid, List.of(), List.of(1.0), n -> null, mu -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot choose a merge: 0 strategies and 1 output-layer pulls given (need at least one of each)");
  }
}
