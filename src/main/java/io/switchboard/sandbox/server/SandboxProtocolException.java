package io.switchboard.sandbox.server;

/** The client broke the protocol; the sandbox closes that one connection. */
final class SandboxProtocolException extends Exception {

    SandboxProtocolException(String message) {
        super(message);
    }
}
