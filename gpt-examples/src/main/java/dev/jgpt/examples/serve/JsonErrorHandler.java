package dev.jgpt.examples.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself (a request line that is not HTTP, headers too large, a request
 * cut short, a request during shutdown) in OpenAI's error JSON, like every other error of the
 * server: never Jetty's HTML page, its stack traces or exception names.
 */
final class JsonErrorHandler extends ErrorHandler {

    private final BooleanSupplier shuttingDown;

    /** @param shuttingDown whether the server is stopping (its 503s say so) */
    JsonErrorHandler(BooleanSupplier shuttingDown) {
        this.shuttingDown = shuttingDown;
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
        String reason = null;
        if (cause instanceof HttpException h) {
            status = h.getCode();
            reason = h.getReason();
            response.setStatus(status);
        }
        if (status < 400) {
            status = 500;
            response.setStatus(status);
        }
        if (HttpStatus.hasNoBody(status)) {
            callback.succeeded();
            return true;
        }
        byte[] body = OpenAiError.body(message(status, reason), OpenAiError.typeOf(status), null).toString()
                .getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        // Jetty closes the connection after its own errors; saying so keeps clients from reusing it
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /** Plain words for the status, with Jetty's short reason where it says more (never an exception's text). */
    private String message(int status, String reason) {
        String said = switch (status) {
            case 400 -> "The request is not valid HTTP";
            case 408 -> "The request did not arrive in time";
            case 413 -> "The request is too large";
            case 414 -> "The request line is too long";
            case 431 -> "The request headers are too large";
            case 503 -> shuttingDown.getAsBoolean() ? "The server is shutting down" : "The server is unavailable";
            case 500 -> "Internal error (the server's log has the details)";
            default -> HttpStatus.getMessage(status);
        };
        boolean informative = reason != null && !reason.isBlank() && !reason.equalsIgnoreCase(HttpStatus.getMessage(status))
                && reason.length() <= 80 && reason.chars().noneMatch(Character::isISOControl);
        return status != 500 && informative ? said + ": " + reason : said;
    }
}
