package io.medvec.core.restore;

/**
 * Limited-memory BFGS (Nocedal &amp; Wright, "Numerical Optimization", 2nd ed., Algorithm 7.5) with
 * a backtracking Armijo line search, for smooth convex objectives in double precision. Memory is
 * {@value #HISTORY} pairs of vectors of the parameter count, so it scales to heads whose exact
 * Hessian would not fit. Deterministic: a fixed sequence of double operations.
 */
final class Lbfgs {

  /** Correction pairs kept. */
  static final int HISTORY = 10;

  /** The objective: returns f(x) and writes ∇f(x) into {@code gradient}. */
  interface Objective {
    double valueAndGradient(double[] x, double[] gradient);
  }

  /**
   * @param x the minimiser found
   * @param value f(x)
   * @param iterations iterations used
   */
  record Result(double[] x, double value, int iterations) {}

  private Lbfgs() {}

  /**
   * Minimises {@code f} from {@code start} until ‖∇f‖ ≤ {@code tolerance}·max(1, ‖x‖) or no
   * decrease is left in double precision; refuses to run past {@code maxIterations}.
   */
  static Result minimise(Objective f, double[] start, double tolerance, int maxIterations) {
    int n = start.length;
    double[] x = start.clone();
    double[] g = new double[n];
    double value = f.valueAndGradient(x, g);
    double[][] s = new double[HISTORY][];
    double[][] y = new double[HISTORY][];
    double[] rho = new double[HISTORY];
    int stored = 0;
    int pairs = 0;
    double[] next = new double[n];
    double[] nextG = new double[n];
    for (int iteration = 0; iteration < maxIterations; iteration++) {
      if (norm(g) <= tolerance * Math.max(1, norm(x))) {
        return new Result(x, value, iteration);
      }
      double[] d = direction(g, s, y, rho, stored, pairs);
      double slope = dot(g, d);
      if (slope >= 0) { // not a descent direction (rounding): restart from steepest descent
        stored = 0;
        d = direction(g, s, y, rho, 0, pairs);
        slope = dot(g, d);
      }
      double t = 1;
      double nextValue;
      while (true) {
        for (int k = 0; k < n; k++) {
          next[k] = x[k] + t * d[k];
        }
        nextValue = f.valueAndGradient(next, nextG);
        if (nextValue <= value + 1e-4 * t * slope) {
          break;
        }
        t /= 2;
        if (t < 1e-20) { // no decrease left in double precision: this is the minimum
          return new Result(x, value, iteration);
        }
      }
      double[] sk = new double[n];
      double[] yk = new double[n];
      for (int k = 0; k < n; k++) {
        sk[k] = next[k] - x[k];
        yk[k] = nextG[k] - g[k];
      }
      double sy = dot(sk, yk);
      if (sy > 0) { // curvature condition; a convex objective keeps it but for rounding
        int slot = pairs % HISTORY;
        s[slot] = sk;
        y[slot] = yk;
        rho[slot] = 1 / sy;
        pairs++;
        stored = Math.min(HISTORY, stored + 1);
      }
      System.arraycopy(next, 0, x, 0, n);
      System.arraycopy(nextG, 0, g, 0, n);
      value = nextValue;
    }
    throw new IllegalStateException(
        "Cannot refit the output layer: no convergence in " + maxIterations + " L-BFGS iterations");
  }

  /** −H·g by the two-loop recursion over the {@code stored} newest of {@code pairs} pairs. */
  private static double[] direction(
      double[] g, double[][] s, double[][] y, double[] rho, int stored, int pairs) {
    int n = g.length;
    double[] q = new double[n];
    for (int k = 0; k < n; k++) {
      q[k] = -g[k];
    }
    double[] alpha = new double[HISTORY];
    int newest = (pairs - 1 + HISTORY) % HISTORY;
    for (int i = 0; i < stored; i++) {
      int j = (newest - i + HISTORY) % HISTORY;
      alpha[j] = rho[j] * dot(s[j], q);
      axpy(-alpha[j], y[j], q);
    }
    if (stored > 0) {
      double gamma = dot(s[newest], y[newest]) / dot(y[newest], y[newest]);
      for (int k = 0; k < n; k++) {
        q[k] *= gamma;
      }
    } else {
      double scale = 1 / Math.max(1, norm(g)); // a first step of bounded length
      for (int k = 0; k < n; k++) {
        q[k] *= scale;
      }
    }
    for (int i = stored - 1; i >= 0; i--) {
      int j = (newest - i + HISTORY) % HISTORY;
      double beta = rho[j] * dot(y[j], q);
      axpy(alpha[j] - beta, s[j], q);
    }
    return q;
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += a[k] * b[k];
    }
    return sum;
  }

  private static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int k = 0; k < x.length; k++) {
      y[k] += a * x[k];
    }
  }
}
