package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.CallMethodViaReflection;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PlanExpression;
import org.apache.spark.sql.catalyst.plans.QueryPlan;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.InsertIntoDir;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.ScriptTransformation;
import scala.collection.Iterator;

/**
 * The guard that keeps {@code bin/medvec sql} read-only: a statement runs only if Spark's own
 * parser makes it a query. Spark executes commands ({@code INSERT}, {@code CREATE}, {@code SET},
 * {@code ADD JAR}, {@code CACHE}, …) eagerly inside {@code SparkSession.sql}, so the check is on
 * the parsed plan, before that call; every node is walked, including CTE definitions and subquery
 * plans. A node is refused if it is a command, a parsed statement (INSERT), a directory insert, a
 * script transformation ({@code TRANSFORM … USING} starts a program) or a Java call ({@code
 * reflect}, {@code java_method}), or if it is not one of Catalyst's own logical operators. The
 * analyzed plan, with the views it reads expanded, is walked again before any row is computed.
 */
final class ReadOnlyQuery {

  /** SQL functions that call a static Java method chosen by the query. */
  static final Set<String> JAVA_CALLS = Set.of("reflect", "java_method", "try_reflect");

  /** Packages of the operators a parsed query consists of (Catalyst's logical plans). */
  private static final Set<String> QUERY_PACKAGES =
      Set.of(
          "org.apache.spark.sql.catalyst.plans.logical", "org.apache.spark.sql.catalyst.analysis");

  private ReadOnlyQuery() {}

  /**
   * Parses {@code query} and refuses (a {@link ConfigException}, exit 2) anything but a read-only
   * query, naming the statement; a syntax error is refused the same way.
   */
  static void checkParsed(SparkSession session, String query) {
    LogicalPlan plan;
    try {
      plan = session.sessionState().sqlParser().parsePlan(query);
    } catch (Exception e) { // ParseException is undeclared: Scala has no checked exceptions
      throw new ConfigException("Cannot run query: " + e.getMessage() + " (" + query + ")", e);
    }
    firstWrite(plan, true).ifPresent(what -> refuse(query, what));
  }

  /** Refuses an analyzed plan (views expanded) holding a command, a program or a Java call. */
  static void checkAnalyzed(LogicalPlan analyzed, String query) {
    firstWrite(analyzed, false).ifPresent(what -> refuse(query, what));
  }

  private static void refuse(String query, String what) {
    throw new ConfigException(
        "Cannot run statement: bin/medvec sql runs only read-only queries (SELECT, WITH … SELECT,"
            + " VALUES, TABLE), and this one "
            + what
            + " ("
            + query
            + ")");
  }

  /**
   * What in {@code plan} is not read-only (e.g. "is a command (InsertIntoDir), which writes or
   * changes the session"), or empty. With {@code parsed}, a node outside Catalyst's logical
   * operators counts too.
   */
  static Optional<String> firstWrite(LogicalPlan plan, boolean parsed) {
    Deque<QueryPlan<?>> todo = new ArrayDeque<>();
    todo.push(plan);
    while (!todo.isEmpty()) {
      QueryPlan<?> node = todo.pop();
      Optional<String> refused = refusedNode(node, parsed);
      if (refused.isPresent()) {
        return refused;
      }
      push(todo, node.children().iterator());
      push(todo, node.innerChildren().iterator());
      for (Iterator<Expression> e = node.expressions().iterator(); e.hasNext(); ) {
        Optional<String> call = expressions(e.next(), todo);
        if (call.isPresent()) {
          return call;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> refusedNode(QueryPlan<?> node, boolean parsed) {
    String name = node.nodeName();
    if (node instanceof Command
        || node instanceof ParsedStatement
        || node instanceof InsertIntoDir) {
      return Optional.of("is a command (" + name + "), which writes or changes the session");
    }
    if (node instanceof ScriptTransformation) {
      return Optional.of("is a TRANSFORM … USING, which runs a program");
    }
    String pkg = node.getClass().getPackageName();
    if (parsed && node instanceof LogicalPlan && !QUERY_PACKAGES.contains(pkg)) {
      return Optional.of("is " + node.getClass().getName() + ", not a query operator");
    }
    return Optional.empty();
  }

  /** Walks one expression tree: a Java call is refused, subquery plans are queued. */
  private static Optional<String> expressions(Expression root, Deque<QueryPlan<?>> plans) {
    Deque<Expression> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Expression e = todo.pop();
      if (e instanceof UnresolvedFunction f) {
        String fn = f.nameParts().last().toLowerCase(Locale.ROOT);
        if (JAVA_CALLS.contains(fn)) {
          return Optional.of("calls " + fn + "(), which runs a Java method");
        }
      }
      if (e instanceof CallMethodViaReflection) {
        return Optional.of("calls " + e.prettyName() + "(), which runs a Java method");
      }
      if (e instanceof PlanExpression<?> sub) {
        plans.push(sub.plan());
      }
      for (Iterator<Expression> c = e.children().iterator(); c.hasNext(); ) {
        todo.push(c.next());
      }
    }
    return Optional.empty();
  }

  private static void push(Deque<QueryPlan<?>> todo, Iterator<?> nodes) {
    while (nodes.hasNext()) {
      Object next = nodes.next();
      if (next instanceof QueryPlan<?> p) {
        todo.push(p);
      }
    }
  }
}
