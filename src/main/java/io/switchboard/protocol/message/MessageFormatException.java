package io.switchboard.protocol.message;

/** A decrypted plaintext that is not a padded WhatsApp Message. */
public final class MessageFormatException extends Exception {

    public MessageFormatException(String message) {
        super(message);
    }
}
