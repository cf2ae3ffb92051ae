"""Read one figure from a /metrics page (Prometheus' text format)."""

from prometheus_client.parser import text_string_to_metric_families


def sample(page: str, name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels; 0 when the page has none."""
    for family in text_string_to_metric_families(page):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def label_values(page: str, name: str, label: str) -> set[str]:
    """Every value `label` takes in the samples of `name`."""
    return {
        found.labels[label]
        for family in text_string_to_metric_families(page)
        for found in family.samples
        if found.name == name and label in found.labels
    }
