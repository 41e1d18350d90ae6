package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MedMnistDownloader} against an in-process HTTP server serving the real file. */
class MedMnistDownloaderTest {
  @TempDir Path dir;

  private HttpServer server;
  private byte[] real;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    real = Files.readAllBytes(SharedData.pneumonia());
    byte[] corrupted = real.clone();
    corrupted[corrupted.length / 2] ^= 0x01;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/good/", exchange -> serve(exchange, real));
    server.createContext("/bad/", exchange -> serve(exchange, corrupted));
    server.createContext("/moved/", exchange -> redirect(exchange, "/good/"));
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange, byte[] body) throws IOException {
    requests.add(exchange.getRequestURI().toString());
    if (!exchange.getRequestURI().getPath().endsWith("/pneumoniamnist.npz")) {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private void redirect(HttpExchange exchange, String prefix) throws IOException {
    requests.add(exchange.getRequestURI().toString());
    String target = exchange.getRequestURI().toString().replaceFirst("^/moved/", prefix);
    exchange.getResponseHeaders().add("Location", target);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private String base(String prefix) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + prefix;
  }

  @Test
  void downloadsVerifiesAndMovesIntoPlace() throws IOException {
    Path file =
        new MedMnistDownloader(base("/good/")).download("pneumoniamnist", dir.resolve("cache"));

    assertThat(file).isEqualTo(dir.resolve("cache").resolve("pneumoniamnist.npz"));
    assertThat(Files.readAllBytes(file)).isEqualTo(real);
    assertThat(MedMnistDownloader.md5(file)).isEqualTo(MedMnistInfo.PNEUMONIAMNIST.md5());
    assertThat(requests).containsExactly("/good/pneumoniamnist.npz?download=1");
    try (var files = Files.list(dir.resolve("cache"))) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void followsRedirects() throws IOException {
    Path file = new MedMnistDownloader(base("/moved/")).download("pneumoniamnist", dir);

    assertThat(Files.readAllBytes(file)).isEqualTo(real);
    assertThat(requests)
        .containsExactly(
            "/moved/pneumoniamnist.npz?download=1", "/good/pneumoniamnist.npz?download=1");
  }

  @Test
  void refusesCorruptedBytesAndLeavesNothing() throws IOException {
    String url = base("/bad/") + "pneumoniamnist.npz?download=1";

    assertThatThrownBy(() -> new MedMnistDownloader(base("/bad/")).download("pneumoniamnist", dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot download pneumoniamnist: MD5 mismatch for " + url)
        .hasMessageContaining("expected 28209eda62fecd6e6a2d98b1501bb15f, actual ")
        .hasMessageNotContaining("actual 28209eda62fecd6e6a2d98b1501bb15f");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void keepsExistingFileWithCorrectMd5WithoutRequest() throws IOException {
    Path existing = Files.write(dir.resolve("pneumoniamnist.npz"), real);

    Path file = new MedMnistDownloader(base("/bad/")).download("pneumoniamnist", dir);

    assertThat(file).isEqualTo(existing);
    assertThat(requests).isEmpty();
  }

  @Test
  void replacesExistingFileWithWrongMd5() throws IOException {
    Files.write(dir.resolve("pneumoniamnist.npz"), new byte[] {1, 2, 3});

    Path file = new MedMnistDownloader(base("/good/")).download("pneumoniamnist", dir);

    assertThat(Files.readAllBytes(file)).isEqualTo(real);
    assertThat(requests).hasSize(1);
  }

  @Test
  void reportsHttpErrorWithUrlAndLeavesNothing() throws IOException {
    assertThatThrownBy(() -> new MedMnistDownloader(base("/good/")).download("retinamnist", dir))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("Cannot download " + base("/good/") + "retinamnist.npz?download=1")
        .hasMessageContaining("HTTP status 404")
        .hasCauseInstanceOf(IOException.class);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void copiesFromFileUrlWithoutQuery() throws IOException {
    String base = io.medvec.core.TestData.sharedDir().toUri().toString();

    Path file = new MedMnistDownloader(base).download("pneumoniamnist", dir);

    assertThat(new MedMnistDownloader(base).url(MedMnistInfo.PNEUMONIAMNIST).toString())
        .endsWith("/pneumoniamnist.npz");
    assertThat(Files.readAllBytes(file)).isEqualTo(real);
  }

  @Test
  void refusesUnknownDatasetAndBlankBaseUrl() {
    assertThatThrownBy(() -> new MedMnistDownloader(base("/good/")).download("chestmnist", dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot find MedMNIST dataset: unknown name (chestmnist), known names: [");
    assertThatThrownBy(() -> new MedMnistDownloader(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create downloader: blank baseUrl ( )");
    assertThat(requests).isEmpty();
  }
}
