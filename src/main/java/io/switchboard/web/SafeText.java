package io.switchboard.web;

/**
 * Text that may be stored, checked once at the edge: PostgreSQL refuses NUL in text (a 500
 * otherwise), and a lone UTF-16 surrogate would be stored as '?' (silently corrupted). Control
 * characters have no place in a name either.
 */
public final class SafeText {

    private SafeText() {
    }

    /**
     * A message text: line breaks and tabs are welcome, but NUL and lone UTF-16 surrogates are not
     * (one would go out as '?'); {@code value} unchanged, or a 400 naming {@code field}.
     */
    public static String requireUnicode(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw ApiException.invalidField(field, "must not contain NUL characters");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiException.invalidField(field, "must be valid Unicode (a lone UTF-16 surrogate at index " + i + ")");
            }
        }
        return value;
    }

    /** {@code value} unchanged, or a 400 naming {@code field}. */
    public static String require(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw ApiException.invalidField(field, "must not contain NUL characters");
            }
            if (Character.isISOControl(c)) {
                throw ApiException.invalidField(field, "must not contain control characters");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiException.invalidField(field, "must be valid Unicode (a lone UTF-16 surrogate at index " + i + ")");
            }
        }
        return value;
    }
}
