package io.switchboard.messaging;

import io.switchboard.protocol.media.MediaType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * What a file to send is, read from its bytes rather than believed from the request: whether the
 * bytes are the declared kind (JPEG, PNG or WebP for an image, WebP for a sticker, Ogg/Opus for a
 * voice note, MP4 for a video), an image's width and height (from its header), a JPEG thumbnail
 * (decoded subsampled, so a huge image costs a small raster), and a voice note's seconds (from the
 * last Ogg page's granule position, 48 kHz).
 */
final class MediaProbe {

    /** What the file is. */
    record Facts(String mimetype, Integer width, Integer height, Integer seconds, byte[] thumbnail) {
    }

    /** The bytes are not what the type says. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /** Something that can be read from the start more than once (a request's bytes, an uploaded file). */
    interface Source {
        InputStream open() throws IOException;

        long size();
    }

    static final int HEAD = 64 * 1024;
    static final int THUMBNAIL_WIDTH = 32;
    private static final long MAX_PIXELS_FOR_THUMBNAIL = 100_000_000L;

    private MediaProbe() {
    }

    static Facts probe(MediaType type, String declaredMimetype, String fileName, Source source) throws Unsupported, IOException {
        byte[] head;
        try (InputStream in = source.open()) {
            head = in.readNBytes(HEAD);
        }
        String detected = detect(head);
        switch (type) {
            case IMAGE -> {
                if (!Arrays.asList("image/jpeg", "image/png", "image/webp").contains(detected)) {
                    throw new Unsupported("an image must be JPEG, PNG or WebP; these bytes are " + describe(detected));
                }
                int[] size = dimensions(detected, head);
                byte[] thumbnail = "image/webp".equals(detected) ? null : thumbnail(source, size);
                return new Facts(detected, size == null ? null : size[0], size == null ? null : size[1], null, thumbnail);
            }
            case STICKER -> {
                if (!"image/webp".equals(detected)) {
                    throw new Unsupported("a sticker must be WebP; these bytes are " + describe(detected));
                }
                int[] size = dimensions(detected, head);
                return new Facts(detected, size == null ? null : size[0], size == null ? null : size[1], null, null);
            }
            case VOICE -> {
                if (!"audio/ogg".equals(detected) || !contains(head, "OpusHead")) {
                    throw new Unsupported("a voice note must be Ogg with Opus audio; these bytes are " + describe(detected));
                }
                return new Facts("audio/ogg; codecs=opus", null, null, oggSeconds(source), null);
            }
            case AUDIO -> {
                if (!Arrays.asList("audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/wav").contains(detected)
                        && !"video/mp4".equals(detected)) {
                    throw new Unsupported("audio must be Ogg, MP3, M4A, AAC or WAV; these bytes are " + describe(detected));
                }
                String mimetype = "video/mp4".equals(detected) ? "audio/mp4" : detected;
                return new Facts("audio/ogg".equals(mimetype) && contains(head, "OpusHead") ? "audio/ogg; codecs=opus" : mimetype,
                        null, null, "audio/ogg".equals(mimetype) ? oggSeconds(source) : null, null);
            }
            case VIDEO -> {
                if (!"video/mp4".equals(detected)) {
                    throw new Unsupported("a video must be MP4; these bytes are " + describe(detected));
                }
                return new Facts("video/mp4", null, null, null, null);
            }
            case DOCUMENT -> {
                String mimetype = declaredMimetype != null ? declaredMimetype
                        : detected != null ? detected : byExtension(fileName);
                return new Facts(mimetype, null, null, null, null);
            }
            default -> throw new Unsupported("unknown media type " + type);
        }
    }

    /** The mimetype the first bytes announce, or null. */
    static String detect(byte[] head) {
        if (starts(head, 0, 0xFF, 0xD8, 0xFF)) {
            return "image/jpeg";
        }
        if (starts(head, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "image/png";
        }
        if (starts(head, 0, 'R', 'I', 'F', 'F') && starts(head, 8, 'W', 'E', 'B', 'P')) {
            return "image/webp";
        }
        if (starts(head, 0, 'R', 'I', 'F', 'F') && starts(head, 8, 'W', 'A', 'V', 'E')) {
            return "audio/wav";
        }
        if (starts(head, 0, 'O', 'g', 'g', 'S')) {
            return "audio/ogg";
        }
        if (starts(head, 0, '%', 'P', 'D', 'F', '-')) {
            return "application/pdf";
        }
        if (starts(head, 4, 'f', 't', 'y', 'p')) {
            String brand = head.length >= 12 ? new String(head, 8, 4, StandardCharsets.ISO_8859_1) : "";
            return brand.startsWith("M4A") ? "audio/mp4" : "video/mp4";
        }
        if (starts(head, 0, 'I', 'D', '3') || head.length > 1 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xE6) == 0xE2) {
            return "audio/mpeg";
        }
        if (head.length > 1 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xF6) == 0xF0) {
            return "audio/aac";
        }
        if (starts(head, 0, 'P', 'K', 3, 4)) {
            return "application/zip";
        }
        return null;
    }

    /** Width and height from the header: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X; null when not found. */
    static int[] dimensions(String mimetype, byte[] head) {
        if ("image/png".equals(mimetype) && head.length >= 24) {
            return new int[] {int32(head, 16), int32(head, 20)};
        }
        if ("image/webp".equals(mimetype) && head.length >= 30) {
            String chunk = new String(head, 12, 4, StandardCharsets.ISO_8859_1);
            if ("VP8 ".equals(chunk)) {
                return new int[] {u16le(head, 26) & 0x3FFF, u16le(head, 28) & 0x3FFF};
            }
            if ("VP8L".equals(chunk)) {
                int bits = (head[21] & 0xFF) | (head[22] & 0xFF) << 8 | (head[23] & 0xFF) << 16 | (head[24] & 0xFF) << 24;
                return new int[] {(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
            }
            if ("VP8X".equals(chunk)) {
                return new int[] {u24le(head, 24) + 1, u24le(head, 27) + 1};
            }
            return null;
        }
        if ("image/jpeg".equals(mimetype)) {
            int at = 2;
            while (at + 9 < head.length) {
                if ((head[at] & 0xFF) != 0xFF) {
                    return null;
                }
                int marker = head[at + 1] & 0xFF;
                int length = (head[at + 2] & 0xFF) << 8 | (head[at + 3] & 0xFF);
                if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                    int height = (head[at + 5] & 0xFF) << 8 | (head[at + 6] & 0xFF);
                    int width = (head[at + 7] & 0xFF) << 8 | (head[at + 8] & 0xFF);
                    return new int[] {width, height};
                }
                at += 2 + length;
            }
        }
        return null;
    }

    /** A JPEG 32 pixels wide, decoded subsampled (never the full raster of a large image); null when it cannot be made. */
    private static byte[] thumbnail(Source source, int[] size) throws IOException {
        if (size == null || size[0] <= 0 || size[1] <= 0 || (long) size[0] * size[1] > MAX_PIXELS_FOR_THUMBNAIL) {
            return null;
        }
        try (InputStream in = source.open(); ImageInputStream images = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(images);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(images, true, true);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = Math.max(1, size[0] / (THUMBNAIL_WIDTH * 4));
                param.setSourceSubsampling(step, step, 0, 0);
                BufferedImage decoded = reader.read(0, param);
                int width = THUMBNAIL_WIDTH;
                int height = Math.max(1, (int) Math.round((double) decoded.getHeight() * width / decoded.getWidth()));
                BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                java.awt.Graphics2D graphics = small.createGraphics();
                graphics.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION,
                        java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                graphics.drawImage(decoded, 0, 0, width, height, null);
                graphics.dispose();
                return jpeg(small);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // A thumbnail is optional; a file ImageIO cannot decode still goes out without one.
            return null;
        }
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.5f);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * Seconds of an Ogg/Opus stream: the granule position of its last page (pages are at most
     * 65,307 bytes, so the last one starts in the final 64 KB plus a header), at 48 kHz, less the
     * pre-skip of the OpusHead. Null when no page is found.
     */
    static Integer oggSeconds(Source source) throws IOException {
        long size = source.size();
        long from = Math.max(0, size - 65_536 - 282);
        byte[] tail;
        int preSkip = 0;
        try (InputStream in = source.open()) {
            byte[] head = in.readNBytes(64);
            int opus = indexOf(head, "OpusHead".getBytes(StandardCharsets.ISO_8859_1));
            if (opus >= 0 && opus + 12 <= head.length) {
                preSkip = u16le(head, opus + 10);
            }
            in.skipNBytes(Math.max(0, from - head.length));
            tail = in.readAllBytes();
        }
        byte[] capture = "OggS".getBytes(StandardCharsets.ISO_8859_1);
        for (int at = tail.length - 27; at >= 0; at--) {
            if (tail[at] == capture[0] && tail[at + 1] == capture[1] && tail[at + 2] == capture[2] && tail[at + 3] == capture[3]
                    && tail[at + 4] == 0) {
                long granule = 0;
                for (int i = 7; i >= 0; i--) {
                    granule = granule << 8 | (tail[at + 6 + i] & 0xFF);
                }
                if (granule < 0) {
                    continue;
                }
                return (int) Math.max(0, Math.round((granule - preSkip) / 48_000.0));
            }
        }
        return null;
    }

    private static String byExtension(String fileName) {
        if (fileName == null || fileName.lastIndexOf('.') < 0) {
            return "application/octet-stream";
        }
        return switch (fileName.substring(fileName.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)) {
            case "pdf" -> "application/pdf";
            case "txt" -> "text/plain";
            case "csv" -> "text/csv";
            case "docx" -> "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
            case "xlsx" -> "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            case "zip" -> "application/zip";
            default -> "application/octet-stream";
        };
    }

    private static String describe(String detected) {
        return detected == null ? "of no kind recognized" : detected;
    }

    private static boolean starts(byte[] bytes, int offset, int... expected) {
        if (bytes.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((bytes[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] bytes, String text) {
        return indexOf(bytes, text.getBytes(StandardCharsets.ISO_8859_1)) >= 0;
    }

    private static int indexOf(byte[] bytes, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static int u24le(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16;
    }
}
