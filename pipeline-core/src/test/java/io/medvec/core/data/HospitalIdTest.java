package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class HospitalIdTest {

  @Test
  void wellFormedIdsPass() {
    assertThat(
            HospitalId.requireList("finetune.hospitals", List.of("h0", "site-A_2", "x".repeat(64))))
        .containsExactly("h0", "site-A_2", "x".repeat(64));
  }

  @Test
  void reservedNamesAreRefusedWhateverTheirCase() {
    for (String id : List.of("public", "PUBLIC", "pooled", "all")) {
      assertThatThrownBy(() -> HospitalId.requireList("finetune.hospitals", List.of("h0", id)))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "Invalid config key 'finetune.hospitals': hospital id '" + id + "' is reserved (")
          .hasMessageContaining("rule: " + HospitalId.RULE);
    }
  }

  @Test
  void badSyntaxIsRefusedNamingTheIdAndTheRule() {
    for (String id : List.of("", "_h", ".h", "-h", "a/b", "a%zz", "h:1", "x".repeat(65))) {
      assertThatThrownBy(() -> HospitalId.requireList("finetune.hospitals", List.of(id)))
          .as(id)
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "Invalid config key 'finetune.hospitals': hospital id '"
                  + id
                  + "' is not "
                  + HospitalId.RULE
                  + " (["
                  + id
                  + "])");
    }
  }

  @Test
  void anIdListedTwiceIsRefusedIgnoringCase() {
    assertThatThrownBy(() -> HospitalId.requireList("finetune.hospitals", List.of("h1", "H1")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid config key 'finetune.hospitals': hospital id 'H1' is listed twice; each"
                + " hospital appears once ([h1, H1])");
  }
}
