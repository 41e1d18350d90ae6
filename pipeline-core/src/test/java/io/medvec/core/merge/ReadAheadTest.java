package io.medvec.core.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.merge.VectorSum.ReadAhead;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

  @Test
  void readersAheadShareOneBudgetAndWaitWhenItIsSpent() {
    ReadAhead budget = new ReadAhead(2);
    assertThat(budget.tryReserve(1)).isTrue();
    assertThat(budget.tryReserve(2)).isTrue();
    assertThat(budget.tryReserve(1)).as("budget spent").isNull();
    assertThat(budget.tryReserve(3)).isNull();
    budget.release(true);
    assertThat(budget.tryReserve(3)).isTrue();
  }

  @Test
  void theHeadsReaderNeverWaitsForReadersAheadOfIt() {
    ReadAhead budget = new ReadAhead(1);
    assertThat(budget.tryReserve(1)).isTrue(); // a reader ahead took the whole budget
    for (int i = 0; i < ReadAhead.HEAD_SLACK; i++) {
      assertThat(budget.tryReserve(0)).as("head chunk %d beyond the budget", i).isFalse();
    }
    assertThat(budget.tryReserve(0)).as("the head waits only for its own chunks to be summed").isNull();
    budget.release(false);
    assertThat(budget.tryReserve(0)).isFalse();
  }

  @Test
  void advancingMakesTheNextVectorTheHead() {
    ReadAhead budget = new ReadAhead(1);
    assertThat(budget.tryReserve(0)).isTrue();
    assertThat(budget.tryReserve(1)).isNull();
    budget.advance(1);
    assertThat(budget.tryReserve(1)).isFalse();
  }
}
