package io.switchboard.session;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Renders QR texts as PNG data URIs that a phone camera reads at dashboard sizes: every module
 * an exact square of pixels (no resampling blur), error correction M, a 4-module quiet zone.
 */
public final class QrImage {

    public static final String DATA_URI_PREFIX = "data:image/png;base64,";
    /** Target pixels per side; the image is the largest whole multiple of the module count below it. */
    static final int SIZE = 400;
    static final int QUIET_ZONE = 4;
    private static final int BLACK = 0xFF000000;
    private static final int WHITE = 0xFFFFFFFF;

    private QrImage() {
    }

    /** Rendered images by QR text: each QR rotates every 20–60 s, and every replica, poll and stream shows the same one. */
    private static final int CACHED = 256;
    private static final Map<String, String> RENDERED = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > CACHED;
                }
            });

    /** The PNG data URI of {@code text}, rendered once and kept while it is among the recent ones. */
    public static String dataUri(String text) {
        String cached = RENDERED.get(text);
        if (cached != null) {
            return cached;
        }
        String rendered = DATA_URI_PREFIX + Base64.getEncoder().encodeToString(png(text));
        RENDERED.put(text, rendered);
        return rendered;
    }

    /** Whether {@link #dataUri} would answer without rendering (callers on an event loop render elsewhere first). */
    static boolean isRendered(String text) {
        return RENDERED.containsKey(text);
    }

    static byte[] png(String text) {
        try {
            // One pixel per module first, then an integer scale.
            BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, QUIET_ZONE));
            int modules = matrix.getWidth();
            int scale = Math.max(1, SIZE / modules);
            BufferedImage image = new BufferedImage(modules * scale, modules * scale, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, matrix.get(x / scale, y / scale) ? BLACK : WHITE);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (WriterException e) {
            throw new IllegalArgumentException("text does not fit a QR code", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
