package io.medvec.core.io;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under another URI scheme, registered by tests as {@code fs.SCHEME.impl}, so
 * that a subclass can make one operation fail on real files.
 */
abstract class OtherSchemeLocalFileSystem extends RawLocalFileSystem {

  private final String scheme;

  OtherSchemeLocalFileSystem(String scheme) {
    this.scheme = scheme;
  }

  @Override
  public URI getUri() {
    return URI.create(scheme + ":///");
  }

  @Override
  public String getScheme() {
    return scheme;
  }
}
