import pytest


@pytest.mark.django_db
def test_up_answers_200_without_touching_the_database(client, django_assert_num_queries):
    # given a booted app, when the load balancer probes /up with an unknown Host
    with django_assert_num_queries(0):
        response = client.get("/up", HTTP_HOST="10.0.0.7:8080")
    # then it answers 200 without a database query or a host check
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_unknown_host_is_still_rejected_for_pages(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
