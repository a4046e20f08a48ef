package dev.jgpt.examples.cli;

import java.net.URI;
import java.nio.file.Path;

/**
 * The HF_* settings a test gives the commands as system properties, and putting them back: the
 * build runs offline ({@code ai.djl.offline=true}), so a test that talks to a loopback Hub
 * turns that off for itself.
 */
final class HubProperties {

    private final String djlOffline = System.getProperty("ai.djl.offline");

    /** Points the commands at {@code endpoint} with the cache in {@code cache}, online. */
    void useHub(URI endpoint, Path cache) {
        System.setProperty("HF_HUB_CACHE", cache.toString());
        System.setProperty("HF_ENDPOINT", endpoint.toString());
        System.setProperty("ai.djl.offline", "false");
        ModelSource.reset();
    }

    /** The build's own offline setting again. */
    void restoreOffline() {
        if (djlOffline == null) {
            System.clearProperty("ai.djl.offline");
        } else {
            System.setProperty("ai.djl.offline", djlOffline);
        }
    }

    /** Every setting as it was before the test. */
    void restore() {
        restoreOffline();
        System.clearProperty("HF_ENDPOINT");
        System.clearProperty("HF_HUB_CACHE");
        System.clearProperty("HF_HUB_OFFLINE");
        ModelSource.reset();
    }
}
