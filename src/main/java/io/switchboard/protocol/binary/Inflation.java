package io.switchboard.protocol.binary;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** zlib inflation with a hard cap on the output, so a small frame cannot become a huge one. */
final class Inflation {

    private static final int CHUNK = 16 * 1024;

    private Inflation() {
    }

    static byte[] inflate(byte[] input, int offset, int maxOutput) throws NodeDecodeException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(input, offset, input.length - offset);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxOutput, CHUNK));
            byte[] chunk = new byte[CHUNK];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new NodeDecodeException("truncated zlib stream", offset);
                }
                if (out.size() + n > maxOutput) {
                    throw new NodeDecodeException("compressed frame inflates past " + maxOutput + " bytes", offset);
                }
                out.write(chunk, 0, n);
            }
            if (inflater.getRemaining() > 0) {
                throw new NodeDecodeException(inflater.getRemaining() + " bytes after the zlib stream", offset);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new NodeDecodeException("bad zlib data: " + e.getMessage(), offset, e);
        } finally {
            inflater.end();
        }
    }
}
