package dev.jgpt.examples.spark;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.SparkSession;

/**
 * A real Spark standalone cluster on loopback for tests: a Master and one Worker, each in its own
 * JVM started from the Spark jars on the test class path, so that a job submitted to
 * {@link #masterUrl()} runs in executor processes the Worker launches, and a test can kill one
 * ({@link #killExecutor()}) to see the job survive it. Spark in the test JVM ({@code local[*]})
 * would prove neither the serialization of the job nor its retries after a lost executor.
 *
 * <p>What Spark needs from outside, found by reading its launcher: the Worker builds each executor's
 * command line itself ({@code WorkerCommandBuilder}), which wants {@code SPARK_HOME} with a
 * {@code jars/} folder (an empty one here: the executors' class path is the test class path, given
 * by {@link #session} as {@code spark.executor.extraClassPath}, in a manifest-only jar) and
 * {@code SPARK_SCALA_VERSION} (else it looks for a Spark source build). Master, Worker and driver
 * are bound to 127.0.0.1 ({@code SPARK_LOCAL_IP} too, else Spark picks the host's address);
 * {@code SPARK_LOCAL_DIRS} keeps the executors' scratch space under the given folder. The Java 17
 * flags ({@link JavaModuleOptions#defaultModuleOptions()}) are given to Master and Worker here,
 * and to the executors by the driver's SparkContext itself.
 *
 * <p>Nothing is left running: {@link #close()} kills the Worker's executors, the Worker and the
 * Master and waits for them; a shutdown hook does the same if the test JVM is stopped, and Master
 * and Worker also exit when the test JVM dies unannounced (they watch their standard input, a pipe
 * from this JVM, for its end), their executors then following the Worker (Spark's own
 * {@code WorkerWatcher}). The JVMs' logs are under the given folder ({@code master.log},
 * {@code worker.log}, {@code work/<app>/<executor>/stderr}); {@link #logTails()} gives their ends,
 * and every failure of the fixture carries them.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    /** Spark's INFO lines with times, into files only: what a failure message needs to be read. */
    private static final String LOGGING = "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"
            + " -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS";
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path dir;
    private final String masterUrl;
    private final String classPath;
    private final List<Process> daemons = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "standalone-cluster-shutdown");
    private volatile boolean closed;

    private StandaloneCluster(Path dir, int masterPort) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.masterUrl = "spark://127.0.0.1:" + masterPort;
        this.classPath = classPathJar(dir.resolve("classpath.jar")).toString();
    }

    /**
     * Starts a Master and a Worker with {@code workerCores} cores and {@code workerMemory} (Spark's
     * form, e.g. {@code 2g}) for executors, and returns once the Worker has registered with the
     * Master. Everything they write goes under {@code dir}.
     */
    public static StandaloneCluster start(Path dir, int workerCores, String workerMemory)
            throws IOException, InterruptedException, TimeoutException {
        int masterPort = freePort();
        int masterUiPort = freePort();
        StandaloneCluster cluster = new StandaloneCluster(dir, masterPort);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        boolean started = false;
        try {
            cluster.startDaemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterUiPort));
            // A Worker that finds no Master tries again only 5 to 15 s later; on two cores starting the
            // two JVMs one after the other costs little more than starting them together.
            cluster.awaitPort(masterPort, deadline);
            cluster.startDaemon("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--port", "0", "--webui-port", "0", "--cores", Integer.toString(workerCores),
                    "--memory", workerMemory, "--work-dir", dir.resolve("work").toString(), cluster.masterUrl);
            cluster.awaitWorker(masterUiPort, deadline);
            started = true;
            return cluster;
        } finally {
            if (!started) {
                cluster.close();
            }
        }
    }

    /** {@code spark://127.0.0.1:PORT}, where a driver submits its application. */
    public String masterUrl() {
        return masterUrl;
    }

    /**
     * A session builder for a driver in this JVM whose application runs on this cluster: executors
     * of {@code executorCores} cores and {@code executorMemory} each, seeing the test class path
     * (jgpt's classes and the tests'), on this JVM's DJL engine, offline. Spark allows one
     * SparkContext per JVM: {@code getOrCreate()} would return one already running, so check its
     * master.
     */
    public SparkSession.Builder session(String appName, int executorCores, String executorMemory) {
        StringBuilder executorOptions = new StringBuilder("-Dai.djl.offline=true ").append(LOGGING);
        String engine = System.getProperty("ai.djl.default_engine");
        if (engine != null && !engine.isEmpty()) {
            executorOptions.append(" -Dai.djl.default_engine=").append(engine);
        }
        return SparkSession.builder()
                .appName(appName)
                .master(masterUrl)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.cores", Integer.toString(executorCores))
                .config("spark.executor.memory", executorMemory)
                .config("spark.executor.extraClassPath", classPath)
                .config("spark.executor.extraJavaOptions", executorOptions.toString())
                .config("spark.task.maxFailures", "4");
    }

    /** The process ids of the executors running now (children of the Worker), lowest first. */
    public List<Long> executorPids() {
        return executors().map(ProcessHandle::pid).sorted().collect(Collectors.toList());
    }

    /**
     * Kills one running executor with SIGKILL, as a lost machine would, waits until it is gone, and
     * returns its pid. Fails if none runs.
     */
    public long killExecutor() throws InterruptedException, TimeoutException {
        ProcessHandle executor = executors().findFirst()
                .orElseThrow(() -> new IllegalStateException("no executor runs\n" + logTails()));
        executor.destroyForcibly();
        try {
            executor.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return executor.pid();
    }

    /** The last lines of every log of the cluster (Master, Worker, executors), for failure messages. */
    public String logTails() {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log") || p.endsWith("stderr")
                    || p.endsWith("stdout")).sorted().collect(Collectors.toList())) {
                b.append("==== ").append(dir.relativize(log)).append(" (last lines) ====\n").append(tail(log, 40));
            }
        } catch (IOException | UncheckedIOException e) {
            b.append("(logs unreadable: ").append(e).append(")\n");
        }
        return b.toString();
    }

    /** Kills executors, Worker and Master and waits until all are gone. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs or has run
        }
    }

    /**
     * SIGKILL for all: the Master first, so that it has no new executor launched, then the Worker
     * and the children it had just before (after, they are no longer its descendants).
     */
    private synchronized void killAll() {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process daemon : daemons) {
            List<ProcessHandle> children = daemon.descendants().collect(Collectors.toList());
            daemon.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            all.add(daemon.toHandle());
            all.addAll(children);
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                System.err.println("StandaloneCluster: process " + p.pid() + " did not exit: " + e);
            }
        }
        daemons.clear();
    }

    private Stream<ProcessHandle> executors() {
        return daemons.stream().flatMap(Process::descendants).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(EXECUTOR_MAIN)).orElse(false));
    }

    private void startDaemon(String name, String mainClass, String... args) throws IOException {
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(sparkHome.resolve("jars"));
        Path localDirs = Files.createDirectories(dir.resolve("local"));
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("-Xmx512m");
        // Master and Worker only pass messages: no C2 compiler or parallel GC threads to compete
        // with the executors for two cores
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.addAll(Arrays.asList(LOGGING.split(" ")));
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.add("-cp");
        command.add(classPath);
        command.add(DieWithParent.class.getName());
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_"));
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", localDirs.toString());
        daemons.add(pb.start());
    }

    private void awaitPort(int port, long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            checkAlive(deadline, "the Master listening on " + port);
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
    }

    private void awaitWorker(int masterUiPort, long deadline) throws InterruptedException, TimeoutException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                .timeout(Duration.ofSeconds(5)).build();
        while (true) {
            checkAlive(deadline, "a Worker registered with the Master");
            try {
                Matcher m = ALIVE_WORKERS.matcher(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
                if (m.find() && Integer.parseInt(m.group(1)) > 0) {
                    return;
                }
            } catch (IOException notUpYet) {
                // the Master's web UI is not listening yet
            }
            Thread.sleep(200);
        }
    }

    private void checkAlive(long deadline, String awaited) throws TimeoutException {
        for (Process daemon : daemons) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("a cluster JVM exited with " + daemon.exitValue() + " before "
                        + awaited + "\n" + logTails());
            }
        }
        if (System.nanoTime() > deadline) {
            throw new TimeoutException("waited " + START_TIMEOUT + " for " + awaited + " in vain\n" + logTails());
        }
    }

    /**
     * Writes {@code jar}, empty but for a manifest whose {@code Class-Path} is the test class path
     * (as surefire's own booter jar). Given as it is, its 300 entries would make the executors'
     * command lines longer than the 4096 characters the JDK reads of a process's command line
     * ({@link ProcessHandle.Info#commandLine()}), cutting off the main class that tells an
     * executor, and would fill the first lines of their logs.
     */
    private static Path classPathJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(
                testClassPath().split(Pattern.quote(File.pathSeparator))).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toUri().toString()).collect(Collectors.joining(" ")));
        try (OutputStream out = Files.newOutputStream(jar)) {
            new JarOutputStream(out, manifest).close();
        }
        return jar;
    }

    /**
     * The test class path: surefire runs tests from a jar whose manifest holds it, so
     * {@code java.class.path} may be that jar alone; surefire gives the real one as a property.
     */
    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                    .map(l -> l.length() > 400 ? l.substring(0, 400) + "..." : l)
                    .collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    /**
     * Runs another class's {@code main} in a JVM that halts when its standard input ends, i.e. when
     * the JVM that started it (holding the other end of the pipe) is gone, however it went.
     */
    public static final class DieWithParent {
        private DieWithParent() {
        }

        public static void main(String[] args) throws Exception {
            Thread watch = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    while (in.read() != -1) {
                        // nothing is ever written; wait for the end
                    }
                } catch (IOException e) {
                    // the pipe broke: the parent is gone too
                }
                Runtime.getRuntime().halt(137);
            }, "die-with-parent");
            watch.setDaemon(true);
            watch.start();
            Method main = Class.forName(args[0]).getMethod("main", String[].class);
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        }
    }
}
