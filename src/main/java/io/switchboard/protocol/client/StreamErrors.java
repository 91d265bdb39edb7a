package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;

/** Reads {@code stream:error} and {@code failure} nodes into typed reasons. */
final class StreamErrors {

    private StreamErrors() {
    }

    static DisconnectReason reasonOf(Node streamError) {
        Node conflict = streamError.child("conflict").orElse(null);
        if (conflict != null && "device_removed".equals(conflict.attribute("type").orElse(""))) {
            return DisconnectReason.LOGGED_OUT;
        }
        String code = streamError.attribute("code").orElse(null);
        if (code != null) {
            try {
                return DisconnectReason.ofCode(Integer.parseInt(code));
            } catch (NumberFormatException e) {
                return DisconnectReason.BAD_SESSION;
            }
        }
        return conflict != null ? DisconnectReason.REPLACED : DisconnectReason.BAD_SESSION;
    }

    static DisconnectReason reasonOfFailure(Node failure) {
        try {
            return DisconnectReason.ofCode(Integer.parseInt(failure.attribute("reason").orElse("500")));
        } catch (NumberFormatException e) {
            return DisconnectReason.BAD_SESSION;
        }
    }

    static String describe(Node streamError) {
        StringBuilder text = new StringBuilder("stream error");
        streamError.attribute("code").ifPresent(code -> text.append(' ').append(code));
        streamError.children().forEach(child -> text.append(' ').append(child.tag())
                .append(child.attribute("type").map(t -> "(" + t + ")").orElse("")));
        return text.toString();
    }
}
