package io.switchboard.replicas;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The top frames of a JFR recording's CPU samples ({@code jdk.ExecutionSample}): where the samples
 * were (self), and which of our own methods they were under (inclusive), each as a share of all
 * samples. {@code bin/profile-cold-start} prints it for a cold replica's recording.
 */
public final class JfrTopFrames {

    private JfrTopFrames() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: JfrTopFrames recording.jfr [top]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.print(report(Path.of(args[0]), top));
    }

    /** The report: self frames, then our own methods inclusive, {@code top} of each. */
    static String report(Path recording, int top) throws java.io.IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ownInclusive = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!"jdk.ExecutionSample".equals(event.getEventType().getName())) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (name.startsWith("io.switchboard.") && seen.add(name)) {
                    ownInclusive.merge(name, 1, Integer::sum);
                }
            }
            jdk.jfr.consumer.RecordedThread thread = event.getThread("sampledThread");
            String pool = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName().replaceAll("-?[0-9]+$", "");
            threads.merge(pool, 1, Integer::sum);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("%,d CPU samples in %s%n", samples, recording.getFileName()));
        section(out, "threads (share of samples)", threads, samples, top);
        section(out, "self: the method running when sampled", self, samples, top);
        section(out, "inclusive, our own methods: under which of them the samples were", ownInclusive, samples, top);
        return out.toString();
    }

    private static void section(StringBuilder out, String title, Map<String, Integer> counts, int samples, int top) {
        out.append(title).append('\n');
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())).limit(top)
                .forEach(e -> out.append(String.format("  %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey())));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
