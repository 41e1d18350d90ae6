package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches an official MedMNIST file (Zenodo record 6496656) and verifies its MD5 against {@link
 * MedMnistInfo}.
 *
 * <p>The file URL is {@code baseUrl + name + ".npz"}, plus {@code "?download=1"} for http(s) URLs.
 * Bytes go to a temporary file in the target directory which is moved into place only after its MD5
 * matched, so the target directory never holds a partial or wrong file.
 */
public final class MedMnistDownloader {
  /** Zenodo record 6496656, MedMNIST v2 at 28x28. */
  public static final String DEFAULT_BASE_URL = "https://zenodo.org/records/6496656/files/";

  /** Time allowed to open a connection. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /** Time allowed until the response headers arrive. */
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

  private static final Logger LOG = LoggerFactory.getLogger(MedMnistDownloader.class);

  private final String baseUrl;
  private final HttpClient client;

  /**
   * @param baseUrl e.g. {@link #DEFAULT_BASE_URL}, or a {@code file:} directory URL ending in /
   */
  public MedMnistDownloader(String baseUrl) {
    checkArgument(
        baseUrl != null && !baseUrl.isBlank(),
        "Cannot create downloader: blank baseUrl (%s)",
        baseUrl);
    this.baseUrl = baseUrl;
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();
  }

  /** URL of a dataset's file. */
  URI url(MedMnistInfo info) {
    String url = baseUrl + info.id() + ".npz";
    String scheme = URI.create(url).getScheme();
    boolean http = scheme != null && scheme.toLowerCase(Locale.ROOT).startsWith("http");
    return URI.create(http ? url + "?download=1" : url);
  }

  /**
   * Downloads {@code dataset} (e.g. {@code "pneumoniamnist"}) to {@code dir/<name>.npz} unless a
   * file with the official MD5 is already there, and returns that path.
   *
   * @throws IllegalArgumentException for an unknown dataset or an MD5 mismatch (naming the URL, the
   *     expected and the actual MD5)
   * @throws UncheckedIOException when the transfer fails
   */
  public Path download(String dataset, Path dir) {
    MedMnistInfo info = MedMnistInfo.parse(dataset);
    checkNotNull(dir, "Cannot download %s: target directory is null", dataset);
    Path target = dir.resolve(info.id() + ".npz");
    if (Files.isRegularFile(target)) {
      String actual = md5(target);
      if (actual.equals(info.md5())) {
        LOG.info("Found {} with expected MD5 {}: not downloading", target, actual);
        return target;
      }
      LOG.warn("Replacing {}: MD5 {} differs from expected {}", target, actual, info.md5());
    }
    URI url = url(info);
    try {
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, "." + info.id() + "-", ".npz.part");
      try {
        fetchVerified(url, temp, info);
        move(temp, target);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          String.format("Cannot download %s: I/O error (%s)", url, e.getMessage()), e);
    }
    LOG.info("Downloaded {} from {} (MD5 {})", target, url, info.md5());
    return target;
  }

  private void fetchVerified(URI url, Path temp, MedMnistInfo info) throws IOException {
    MessageDigest digest = newMd5();
    try (InputStream in = new DigestInputStream(open(url), digest);
        OutputStream out = Files.newOutputStream(temp)) {
      long bytes = in.transferTo(out);
      LOG.debug("Fetched {} bytes from {}", bytes, url);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    checkArgument(
        actual.equals(info.md5()),
        "Cannot download %s: MD5 mismatch for %s (expected %s, actual %s)",
        info.id(),
        url,
        info.md5(),
        actual);
  }

  private InputStream open(URI url) throws IOException {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.startsWith("http")) {
      return url.toURL().openStream();
    }
    HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("Interrupted while fetching " + url);
      interrupted.initCause(e);
      throw interrupted;
    }
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IOException(String.format("HTTP status %s from %s", response.statusCode(), url));
    }
    return response.body();
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      LOG.debug("Atomic move not supported in {}, moving non-atomically", target.getParent(), e);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Lower-case hex MD5 of a file. */
  public static String md5(Path file) {
    checkNotNull(file, "Cannot compute MD5: file is null");
    MessageDigest digest = newMd5();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(String.format("Cannot compute MD5: I/O error (%s)", file), e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot compute MD5: algorithm missing from this JVM", e);
    }
  }
}
