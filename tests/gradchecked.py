"""The gradient-check registry: every Function (differentiable op) nerve defines -> a test that
gradient-checks it with ``nerve.testing.gradcheck`` (float64 central differences).

tests/ops/test_every_op_is_gradchecked.py fails when a Function subclass is missing here, when an
entry names a class that no longer exists, or when the named test is not found or never calls
gradcheck. Adding an op? Write its test, e.g.

    def test_my_op_gradients():
        assert gradcheck(ops.my_op, np.random.default_rng(0).standard_normal((3, 4)))

and add one line below, in alphabetical order: "nerve.ops.<module>.<Class>": "tests/<path>.py::<test>".
"""

GRADCHECKED = {
    "nerve.ops.activations.ELU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.GELU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.HardSiLU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.HardSigmoid": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.LeakyReLU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.LogSigmoid": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.ReLU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.ReLU6": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.SiLU": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.Sigmoid": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.Softplus": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.Softsign": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.activations.Tanh": "tests/ops/test_activations.py::test_elementwise_gradients",
    "nerve.ops.attention.ScaledDotProductAttention":
        "tests/ops/test_attention_ops.py::test_gradients_with_mask_and_bias",
    "nerve.ops.axis_activations.LogSoftmax": "tests/ops/test_activations.py::test_softmax_gradients",
    "nerve.ops.axis_activations.Maxout":
        "tests/ops/test_activations.py::test_maxout_values_gradient_and_errors",
    "nerve.ops.axis_activations.Softmax": "tests/ops/test_activations.py::test_softmax_gradients",
    "nerve.ops.convolution.Conv": "tests/ops/test_conv.py::test_gradcheck",
    "nerve.ops.convolution.ConvTranspose": "tests/ops/test_conv.py::test_gradcheck",
    "nerve.ops.convolution.DepthwiseConv": "tests/ops/test_conv.py::test_gradcheck",
    "nerve.ops.decompositions.Cholesky": "tests/ops/test_linalg_ops.py::test_cholesky_and_eigh",
    "nerve.ops.decompositions.Eigh": "tests/ops/test_linalg_ops.py::test_cholesky_and_eigh",
    "nerve.ops.decompositions.QR": "tests/ops/test_linalg_ops.py::test_qr",
    "nerve.ops.decompositions.SVD": "tests/ops/test_linalg_ops.py::test_svd",
    "nerve.ops.decompositions.SingularValues":
        "tests/ops/test_linalg_ops.py::test_matrix_norms_match_numpy_and_gradcheck",
    "nerve.ops.image.Resample": "tests/ops/test_image_ops.py::test_gradcheck",
    "nerve.ops.linalg.Det": "tests/ops/test_linalg_ops.py::test_det_inv_solve_match_numpy_and_gradcheck",
    "nerve.ops.linalg.Einsum": "tests/ops/test_math_reduction_shape.py::test_einsum",
    "nerve.ops.linalg.Inv": "tests/ops/test_linalg_ops.py::test_det_inv_solve_match_numpy_and_gradcheck",
    "nerve.ops.linalg.MatMul": "tests/ops/test_math_reduction_shape.py::test_dot_is_matmul_with_its_gradients",
    "nerve.ops.linalg.Solve": "tests/ops/test_linalg_ops.py::test_det_inv_solve_match_numpy_and_gradcheck",
    "nerve.ops.losses.BinaryCrossEntropy": "tests/ops/test_loss_ops.py::test_binary_crossentropy_gradients",
    "nerve.ops.losses.ProbabilityCrossEntropy":
        "tests/ops/test_loss_ops.py::test_categorical_crossentropy_gradients",
    "nerve.ops.losses.SigmoidBinaryCrossEntropy":
        "tests/ops/test_loss_ops.py::test_binary_crossentropy_gradients",
    "nerve.ops.losses.SoftmaxCrossEntropy":
        "tests/ops/test_loss_ops.py::test_categorical_crossentropy_gradients",
    "nerve.ops.losses.SparseProbabilityCrossEntropy":
        "tests/ops/test_loss_ops.py::test_sparse_categorical_crossentropy_gradients",
    "nerve.ops.losses.SparseSoftmaxCrossEntropy":
        "tests/ops/test_loss_ops.py::test_sparse_categorical_crossentropy_gradients",
    "nerve.ops.math.Add": "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Divide": "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Maximum":
        "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Minimum":
        "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Multiply":
        "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Power": "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Subtract":
        "tests/ops/test_math_reduction_shape.py::test_binary_gradients_with_broadcasting",
    "nerve.ops.math.Where": "tests/ops/test_math_reduction_shape.py::test_where_gradients",
    "nerve.ops.nn.Affine": "tests/ops/test_affine.py::test_affine_matches_numpy_and_gradchecks",
    "nerve.ops.normalization.AffineNormalize":
        "tests/ops/test_normalization_ops.py::test_batch_normalization_gradients",
    "nerve.ops.normalization.Normalize": "tests/ops/test_normalization_ops.py::test_layer_norm_gradients",
    "nerve.ops.normalization_compiled.CompiledNormalize":
        "tests/ops/test_normalization_ops.py::test_fused_batch_norm_gradients",
    "nerve.ops.norms.EuclideanNorm":
        "tests/ops/test_linalg_ops.py::test_matrix_norms_match_numpy_and_gradcheck",
    "nerve.ops.pooling.AveragePool": "tests/ops/test_pooling.py::test_average_pool_gradcheck",
    "nerve.ops.pooling.MaxPool": "tests/ops/test_pooling.py::test_max_pool_gradcheck",
    "nerve.ops.random.Dropout": "tests/ops/test_random_ops.py::test_gradient_is_the_scaled_mask",
    "nerve.ops.recurrent.GRUSequence": "tests/layers/test_layers_recurrent.py::test_gradients",
    "nerve.ops.recurrent.LSTMSequence": "tests/layers/test_layers_recurrent.py::test_gradients",
    "nerve.ops.recurrent.SimpleRNNSequence": "tests/layers/test_layers_recurrent.py::test_gradients",
    "nerve.ops.reduction.Extremum": "tests/ops/test_math_reduction_shape.py::test_reductions",
    "nerve.ops.reduction.LogSumExp": "tests/ops/test_math_reduction_shape.py::test_reductions",
    "nerve.ops.reduction.Mean": "tests/ops/test_math_reduction_shape.py::test_reductions",
    "nerve.ops.reduction.Sum": "tests/ops/test_math_reduction_shape.py::test_reductions",
    "nerve.ops.reduction.Var": "tests/ops/test_math_reduction_shape.py::test_reductions",
    "nerve.ops.roi.RoIAlign": "tests/ops/test_roi.py::test_gradient",
    "nerve.ops.shape_ops.BroadcastTo": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Concatenate": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.GetItem": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Pad": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Repeat": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Reshape": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.ScatterAdd": "tests/ops/test_math_reduction_shape.py::test_scatter_adds_duplicates",
    "nerve.ops.shape_ops.TakeAlongAxis": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Tile": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.shape_ops.Transpose": "tests/ops/test_math_reduction_shape.py::test_shape_op_gradients",
    "nerve.ops.unary.Abs": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Cast":
        "tests/ops/test_math_reduction_shape.py::test_cast_passes_the_gradient_back_in_the_source_dtype",
    "nerve.ops.unary.Clip": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Erf": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Exp": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Log": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Log1p": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Negative": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Sqrt": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
    "nerve.ops.unary.Square": "tests/ops/test_math_reduction_shape.py::test_unary_gradients",
}

# Base classes that hold shared machinery and are never called as ops themselves.
NOT_CALLED = {
    "nerve.ops.pooling._Pool": "the shared window geometry of MaxPool and AveragePool; never called itself",
    "nerve.ops.recurrent._Recurrence": "the shared loop of LSTMSequence, GRUSequence and SimpleRNNSequence",
}
