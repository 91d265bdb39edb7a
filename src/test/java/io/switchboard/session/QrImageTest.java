package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Real-shaped QR texts render to PNGs that read back at the sizes dashboards show them. */
class QrImageTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    static String read(String dataUri, int size) throws Exception {
        assertTrue(dataUri.startsWith(QrImage.DATA_URI_PREFIX));
        byte[] png = Base64.getDecoder().decode(dataUri.substring(QrImage.DATA_URI_PREFIX.length()));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        // Never upscale: the PNG's own size is the largest a dashboard shows it at.
        size = Math.min(size, image.getWidth());
        int[] pixels = shrink(image, size);
        RGBLuminanceSource source = new RGBLuminanceSource(size, size, pixels);
        // As a scanner does: several binarizations before giving up.
        Exception last = null;
        for (com.google.zxing.Binarizer binarizer : List.of(new HybridBinarizer(source),
                new com.google.zxing.common.GlobalHistogramBinarizer(source))) {
            for (Map<DecodeHintType, ?> hints : List.of(Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE),
                    Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE))) {
                try {
                    return new QRCodeReader().decode(new BinaryBitmap(binarizer), hints).getText();
                } catch (com.google.zxing.ReaderException e) {
                    last = e;
                }
            }
        }
        throw last;
    }

    /** Downscales with a box filter, as a browser showing the image smaller does. */
    static int[] shrink(BufferedImage image, int size) {
        int source = image.getWidth();
        int[] out = new int[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int x0 = x * source / size;
                int x1 = Math.max(x0 + 1, (x + 1) * source / size);
                int y0 = y * source / size;
                int y1 = Math.max(y0 + 1, (y + 1) * source / size);
                long sum = 0;
                for (int sy = y0; sy < y1; sy++) {
                    for (int sx = x0; sx < x1; sx++) {
                        sum += image.getRGB(sx, sy) & 0xff;
                    }
                }
                int gray = (int) (sum / ((long) (x1 - x0) * (y1 - y0)));
                out[y * size + x] = 0xFF000000 | gray << 16 | gray << 8 | gray;
            }
        }
        return out;
    }

    @Test
    void readsBackAtItsOwnSizeAlwaysAndAtDashboardSizesAlmostAlways() throws Exception {
        int samples = 100;
        int[] sizes = {300, 256, 220};
        int[] unreadable = new int[sizes.length];
        for (int i = 0; i < samples; i++) {
            String text = "https://wa.me/settings/linked_devices#2@" + key(18) + "," + key(32) + "," + key(32) + ","
                    + key(32) + ",9";
            String uri = QrImage.dataUri(text);
            assertEquals(text, read(uri, QrImage.SIZE), "at its own size");
            for (int k = 0; k < sizes.length; k++) {
                try {
                    if (!text.equals(read(uri, sizes[k]))) {
                        unreadable[k]++;
                    }
                } catch (com.google.zxing.ReaderException e) {
                    unreadable[k]++;
                }
            }
        }
        System.out.printf("QR codes zxing could not read, of %d, at %s px: %s%n", samples,
                java.util.Arrays.toString(sizes), java.util.Arrays.toString(unreadable));
        for (int count : unreadable) {
            // zxing on a box-filtered image is a harsher reader than a phone camera; a few misses are expected.
            assertTrue(count <= samples / 10, "too many unreadable codes: " + java.util.Arrays.toString(unreadable));
        }
    }

    private static String key(int bytes) {
        byte[] data = new byte[bytes];
        RANDOM.nextBytes(data);
        return Base64.getEncoder().encodeToString(data);
    }
}
