"""nn: parameter registration through nested modules, Linear and Embedding."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import Tensor, nn, ops


class Block(nn.Module):
    def __init__(self, tag: str):
        super().__init__()
        self.w = Tensor(np.zeros(2), name=f"{tag}.w")
        self.b = Tensor(np.zeros(1), name=f"{tag}.b")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = Tensor(np.ones(1), name="scale")
        self.first = Block("first")
        self.second = Block("second")
        self.second.inner = Block("inner")


def names(module: nn.Module) -> list[str]:
    return [name for name, _ in module.named_parameters()]


def test_nested_parameters_are_found_in_definition_order():
    got = names(Net())
    want = ["scale", "first.w", "first.b", "second.w", "second.b", "second.inner.w",
            "second.inner.b"]
    assert got == want, got


def test_parameters_lists_the_same_tensors_as_named_parameters():
    net = Net()
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]


def test_a_parameter_shared_by_two_modules_is_listed_once():
    net = Net()
    net.second.w = net.first.w  # tied weights
    params = net.parameters()
    assert len(params) == len({id(p) for p in params}) == 6, names(net)


def test_a_module_used_twice_is_listed_once():
    net = Net()
    net.again = net.first
    assert len(net.parameters()) == 7, names(net)


def test_a_module_holding_itself_does_not_loop_forever():
    net = Net()
    net.me = net
    assert len(net.parameters()) == 7, names(net)


def test_reassigning_an_attribute_replaces_the_parameter():
    net = Net()
    new = Tensor(np.ones(3), name="new")
    net.scale = new
    params = net.parameters()
    assert any(p is new for p in params) and len(params) == 7, names(net)


def test_assigning_a_non_tensor_unregisters_the_attribute():
    net = Net()
    net.scale = None
    net.first = "gone"
    assert "scale" not in names(net) and "first.w" not in names(net), names(net)


def test_deleting_an_attribute_unregisters_it():
    net = Net()
    del net.second
    assert names(net) == ["scale", "first.w", "first.b"], names(net)


def test_forgetting_super_init_is_explained_on_assignment():
    class Forgetful(nn.Module):
        def __init__(self):
            self.w = Tensor(np.zeros(1))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Forgetful()


def test_forgetting_super_init_is_explained_when_asking_for_parameters():
    class Empty(nn.Module):
        def __init__(self):
            pass

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Empty().parameters()


def test_a_missing_attribute_is_an_ordinary_attribute_error():
    with pytest.raises(AttributeError, match="nope"):
        Net().nope  # noqa: B018


def test_calling_a_module_runs_forward_and_a_missing_forward_is_named():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="NoForward must define forward"):
        NoForward()(1)


# ---------------------------------------------------------------------- Linear
def test_linear_has_weight_in_by_out_and_bias_out():
    layer = nn.Linear(4, 3, rng=np.random.default_rng(0))
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (3,), (layer.weight, layer.bias)
    assert names(layer) == ["weight", "bias"], names(layer)


def test_linear_computes_x_w_plus_b():
    layer = nn.Linear(4, 3, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(5, 4))
    out = layer(Tensor(x))
    np.testing.assert_allclose(out.value, x @ layer.weight.value + layer.bias.value)


def test_linear_without_bias_has_only_a_weight():
    layer = nn.Linear(4, 3, bias=False, rng=np.random.default_rng(0))
    assert names(layer) == ["weight"], names(layer)
    x = np.ones((2, 4))
    np.testing.assert_allclose(layer(Tensor(x)).value, x @ layer.weight.value)


def test_linear_init_is_nonzero_and_within_one_over_sqrt_fan_in():
    layer = nn.Linear(16, 8, rng=np.random.default_rng(0))
    w = layer.weight.value
    assert np.abs(w).max() <= 0.25 and np.abs(w).min() > 0, (w.min(), w.max())


def test_same_seed_gives_the_same_linear_weights():
    a = nn.Linear(5, 2, rng=np.random.default_rng(42))
    b = nn.Linear(5, 2, rng=np.random.default_rng(42))
    c = nn.Linear(5, 2, rng=np.random.default_rng(43))
    assert np.array_equal(a.weight.value, b.weight.value)
    assert np.array_equal(a.bias.value, b.bias.value)
    assert not np.array_equal(a.weight.value, c.weight.value)


def test_linear_gets_gradients_for_weight_and_bias():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = np.arange(6.0).reshape(2, 3)
    ops.reduce_sum(layer(Tensor(x))).backward()
    np.testing.assert_allclose(layer.weight.grad, x.T @ np.ones((2, 2)))
    np.testing.assert_allclose(layer.bias.grad, [2.0, 2.0])


def test_a_non_generator_rng_is_refused_with_an_example():
    with pytest.raises(TypeError, match="default_rng"):
        nn.Linear(2, 2, rng=42)


# ------------------------------------------------------------------- Embedding
def test_embedding_table_shape_dtype_and_lookup():
    emb = nn.Embedding(10, 4, rng=np.random.default_rng(0), dtype=np.float32)
    assert emb.weight.shape == (10, 4) and emb.weight.dtype == np.float32, emb.weight
    idx = np.array([[1, 2, 3], [3, 3, 0]])
    out = emb(idx)
    assert out.shape == (2, 3, 4), out.shape
    np.testing.assert_array_equal(out.value[1, 0], emb.weight.value[3])


def test_embedding_init_is_uniform_within_the_given_half_width():
    w = nn.Embedding(200, 8, init=0.05, rng=np.random.default_rng(0)).weight.value
    assert np.abs(w).max() <= 0.05 and w.std() > 0.02, (w.min(), w.max(), w.std())


def test_embedding_init_zero_gives_zeros():
    assert not nn.Embedding(5, 3, init=0).weight.value.any()


def test_same_seed_gives_the_same_embeddings():
    a = nn.Embedding(6, 3, rng=np.random.default_rng(7)).weight.value
    b = nn.Embedding(6, 3, rng=np.random.default_rng(7)).weight.value
    assert np.array_equal(a, b)


def test_embedding_gradient_accumulates_repeated_rows():
    emb = nn.Embedding(4, 2, rng=np.random.default_rng(0))
    ops.reduce_sum(emb(np.array([1, 1, 3]))).backward()
    np.testing.assert_array_equal(emb.weight.grad, [[0, 0], [2, 2], [0, 0], [1, 1]])
