"""The checks' hints and verdicts in Chinese, keyed by the English text
(``check(..., lang="zh_CN")``). Code stays as it is; a text missing here shows in English."""

#: What a passing check says.
VERDICTS = {
    "The values and the gradients (checked by finite differences) are right.":
        "数值和梯度（用有限差分检查）都正确。",
    "A new session, initialized variables, and the fetch structure kept.":
        "新的会话、初始化了的变量，取回的结构也保持不变。",
    "Right values, finite when the softmax saturates, right gradient.":
        "数值正确，softmax 饱和时仍是有限值，梯度正确。",
    "Two steps by hand match gradient descent.": "手写的两步与梯度下降一致。",
    "Named by the scope, shared under reuse=True, and the right values.":
        "变量由作用域命名，在 reuse=True 下被共享，数值也正确。",
    "One filter, shared by both images.": "同一个滤波器，被两张图像共享。",
    "The newest checkpoint, restored by name.": "按名字恢复了最新的检查点。",
    "Your gradient rule agrees with finite differences.": "你的梯度规则与有限差分一致。",
    "Right values and dtype, no overflow, and the op passes the gradient check.":
        "数值和 dtype 都正确，没有溢出，该算子也通过了梯度检查。",
    "Three steps of momentum, with the accumulator kept in a slot.":
        "三步动量法都正确，累加值保存在槽中。",
    "You pruned the graph the way the session plans a run.":
        "你剪枝的方式与会话规划一次运行的方式相同。",
    "One run, and the first non-finite tensor found: log of a saturated softmax.":
        "只运行一次，就找到了第一个非有限值的张量：饱和 softmax 的 log。",
    "The mean of the processes' gradients is the gradient of the whole batch: allreduce "
    "gives every process the same step.":
        "各进程梯度的平均值就是整个批次的梯度：allreduce 让每个进程走同样的一步。",
    "Your cell matches GRUCell step by step and in dynamic_rnn, its variables are named as TF "
    "names them, and its gradients are right.":
        "你的单元逐步以及在 dynamic_rnn 中都与 GRUCell 一致，变量按 TF 的方式命名，梯度也正确。",
    "Right for every length, the empty vector included, and the gradient through the loop "
    "agrees with finite differences.":
        "对每种长度（包括空向量）都正确，穿过循环的梯度也与有限差分一致。",
}

#: What to try when a check fails.

HINTS = {
    "h = tf.nn.relu(tf.matmul(x, W) + b); tf.matmul(x, W) multiplies [batch, n_in] by "
    "[n_in, n_out].":
        "h = tf.nn.relu(tf.matmul(x, W) + b)；tf.matmul(x, W) 用 [batch, n_in] 乘以 "
        "[n_in, n_out]。",
    "use flowkit ops only: each has a gradient rule.":
        "只用 flowkit 的操作：每个操作都有梯度规则。",
    "return sess.run(fetches, feed_dict).": "返回 sess.run(fetches, feed_dict)。",
    "pass feed_dict to sess.run.": "把 feed_dict 传给 sess.run。",
    "log_softmax(z)_i = z_i - log(sum_j exp(z_j)); here that is -1000 - 1000.":
        "log_softmax(z)_i = z_i - log(sum_j exp(z_j))；这里就是 -1000 - 1000。",
    "build the loss from flowkit ops so tf.gradients can differentiate it.":
        "用 flowkit 的操作构建损失，tf.gradients 才能对它求导。",
    "apply tf.nn.relu to it.": "再对它应用 tf.nn.relu。",
    "add b before the ReLU.": "在 ReLU 之前加上 b。",
    "return what sess.run returns, unchanged.": "原样返回 sess.run 的结果。",
    "cross-entropy is -sum(labels * log(softmax(logits))) over the classes, then the mean "
    "over the batch.":
        "交叉熵是对各类别求 -sum(labels * log(softmax(logits)))，再对批次求平均。",
    "never take the log of a softmax: use tf.nn.softmax_cross_entropy_with_logits_v2("
    "labels=..., logits=...), or tf.nn.log_softmax(logits), which work from the logits.":
        "不要对 softmax 取 log：请用 tf.nn.softmax_cross_entropy_with_logits_v2(labels=..., "
        "logits=...) 或 tf.nn.log_softmax(logits)，它们直接从 logits 计算。",
    "group the updates: tf.group(*updates).": "把更新组合起来：tf.group(*updates)。",
    "return tf.group(*updates).": "返回 tf.group(*updates)。",
    "write the update yourself with tf.assign_sub(var, learning_rate * grad).":
        "自己用 tf.assign_sub(var, learning_rate * grad) 写出更新。",
    "average the per-example losses over the batch with tf.reduce_mean.":
        "用 tf.reduce_mean 对批次中每个样本的损失求平均。",
    "tf.reduce_mean keeps the loss (and the step size) independent of the batch size.":
        "tf.reduce_mean 使损失（以及步长）与批次大小无关。",
    "each variable moves against its own gradient: var - learning_rate * d(loss)/d(var), "
    "with the gradients from tf.gradients(loss, var_list).":
        "每个变量沿自己梯度的反方向移动：var - learning_rate * d(loss)/d(var)，梯度来自 "
        "tf.gradients(loss, var_list)。",
    "update every variable in var_list, not only the first.":
        "更新 var_list 中的每个变量，而不只是第一个。",
    "a new session starts with no variable values: run tf.global_variables_initializer() "
    "in it first.":
        "新会话中变量还没有值：先在其中运行 tf.global_variables_initializer()。",
    "the returned op must run the assignments: return tf.group(*[tf.assign_sub(v, "
    "learning_rate * g) for ...]).":
        "返回的操作必须执行赋值：返回 tf.group(*[tf.assign_sub(v, learning_rate * g) "
        "for ...])。",
    "read the message: it names the op and what it expected.":
        "读一读错误信息：它指出了是哪个操作以及它期望什么。",
    "build it with flowkit ops (tf.matmul, tf.nn.relu, ...): NumPy code runs once while the "
    "graph is built, not in the session.":
        "用 flowkit 的操作（tf.matmul、tf.nn.relu……）来构建：NumPy 代码只在构建图时运行一次，"
        "不会在会话中运行。",
    "replace `raise NotImplementedError` with your code.":
        "把 `raise NotImplementedError` 换成你的代码。",
    "NumPy cannot compute a symbolic tensor: use flowkit ops (tf.matmul, tf.nn.relu, ...) on "
    "tensors of the graph.":
        "NumPy 无法计算符号张量：对图中的张量请使用 flowkit 的操作（tf.matmul、tf.nn.relu……）。",
    "conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME'); then "
    "tf.nn.relu(conv + biases).":
        "conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')；然后 "
        "tf.nn.relu(conv + biases)。",
    "both calls must use the same variables.": "两次调用必须使用同样的变量。",
    "both calls must use the same filter.": "两次调用必须使用同一个滤波器。",
    "restore with tf.train.Saver().restore(sess, tf.train.latest_checkpoint(folder)) "
    "instead of initializing.":
        "用 tf.train.Saver().restore(sess, tf.train.latest_checkpoint(folder)) 恢复，"
        "而不是初始化。",
    "return the restored biases too.": "也要返回恢复后的 biases。",
    'create them with tf.get_variable("weights", kernel_shape, initializer=...) and '
    'tf.get_variable("biases", bias_shape, ...).':
        '用 tf.get_variable("weights", kernel_shape, initializer=...) 和 '
        'tf.get_variable("biases", bias_shape, ...) 创建它们。',
    "tf.Variable always creates a new variable; tf.get_variable returns the existing one "
    "when the scope reuses.":
        "tf.Variable 总是创建新变量；当作用域重用变量时，tf.get_variable 返回已有的那个。",
    "return out1, out2.": "返回 out1, out2。",
    'call both inside one tf.variable_scope("siamese") and share with '
    "scope.reuse_variables(); two scopes or tf.Variable make two filters.":
        '在同一个 tf.variable_scope("siamese") 中做两次调用，并用 scope.reuse_variables() '
        "共享；两个作用域或 tf.Variable 会得到两个滤波器。",
    "apply filter_fn to image1 for the first output and to image2 for the second.":
        "第一个输出对 image1 应用 filter_fn，第二个输出对 image2 应用。",
    "return sess.run([weights, biases]) after restoring.":
        "恢复之后返回 sess.run([weights, biases])。",
    "tf.train.latest_checkpoint(folder) names the newest one.":
        "tf.train.latest_checkpoint(folder) 给出最新的那个检查点。",
    "use tf.constant_initializer(0.0) or tf.zeros_initializer() for the biases.":
        "biases 请用 tf.constant_initializer(0.0) 或 tf.zeros_initializer()。",
    "initialize the weights with tf.random_normal_initializer().":
        "用 tf.random_normal_initializer() 初始化 weights。",
    "the second call needs reuse: call scope.reuse_variables() after the first call (with "
    'tf.variable_scope("siamese") as scope: ...).':
        "第二次调用需要重用变量：在第一次调用之后调用 scope.reuse_variables()"
        '（with tf.variable_scope("siamese") as scope: ...）。',
    "reuse only for the second call: the first call must create the variables.":
        "只有第二次调用才重用：第一次调用必须创建变量。",
    "the names must match the file's: create the variables with tf.get_variable inside "
    'tf.variable_scope("softmax").':
        '变量名必须与文件中的一致：在 tf.variable_scope("softmax") 中用 tf.get_variable '
        "创建变量。",
    "softplus(x) = log(1 + exp(x)).": "softplus(x) = log(1 + exp(x))。",
    "max(x, 0) + log1p(exp(-|x|)).": "max(x, 0) + log1p(exp(-|x|))。",
    "loop over plugins.backend_names() and open tf.Session(backend=name).":
        "遍历 plugins.backend_names()，打开 tf.Session(backend=name)。",
    "run fetch with feed_dict.": "用 feed_dict 运行 fetch。",
    "compute with NumPy functions on x (np.log1p, np.exp, np.logaddexp).":
        "用 NumPy 函数对 x 计算（np.log1p、np.exp、np.logaddexp）。",
    "return the input's dtype: .astype(x.dtype).": "返回与输入相同的 dtype：.astype(x.dtype)。",
    "rewrite it so nothing large is exponentiated: max(x, 0) + log1p(exp(-|x|)), or "
    "np.logaddexp(0, x).":
        "改写公式，避免对大数取指数：max(x, 0) + log1p(exp(-|x|))，或 np.logaddexp(0, x)。",
    "the gradient check runs your kernel at x +- delta in float64: it must be accurate in "
    "float64 too.":
        "梯度检查会在 float64 下于 x +- delta 处运行你的 kernel：它在 float64 下也必须准确。",
    "pass the class, not an instance: exercises.check('08_momentum', MomentumSGD).":
        "传入类本身，而不是实例：exercises.check('08_momentum', MomentumSGD)。",
    'in _create_slots: for v in var_list: self._zeros_slot(v, "accum").':
        '在 _create_slots 中：for v in var_list: self._zeros_slot(v, "accum")。',
    "accum <- momentum * accum + grad (tf.assign on the slot), then tf.assign_sub(var, lr * "
    "new_accum); return that op.":
        "accum <- momentum * accum + grad（对槽使用 tf.assign），然后 tf.assign_sub(var, "
        "lr * new_accum)；返回这个操作。",
    "check the function's signature against the starting code.": "对照初始代码检查函数的签名。",
    "return a list: [grad * ...].": "返回一个列表：[grad * ...]。",
    "d softplus(x)/dx = sigmoid(x); multiply by the incoming grad (the chain rule): "
    "[grad * tf.sigmoid(op.inputs[0])].":
        "d softplus(x)/dx = sigmoid(x)；再乘以传入的 grad（链式法则）："
        "[grad * tf.sigmoid(op.inputs[0])]。",
    "keep the signature softplus_grad(op, grad).": "保持签名 softplus_grad(op, grad) 不变。",
    "the first step is right, the next is not: store the new accumulator in the slot with "
    "tf.assign, and use its new value.":
        "第一步是对的，之后的不对：用 tf.assign 把新的累加值存进槽里，并使用它的新值。",
    "variables live in each session: initialize them in every new session.":
        "变量存在于每个会话之中：在每个新会话中都要初始化它们。",
    "softplus(x) = log(1 + exp(x)), elementwise, same dtype and shape.":
        "softplus(x) = log(1 + exp(x))，逐元素计算，dtype 和形状不变。",
    "follow control inputs too (op.control_inputs).": "也要沿着控制输入走（op.control_inputs）。",
    "walk back through every input of every op you reach: t.op for t in op.inputs.":
        "对走到的每个操作，沿它的每个输入向回走：t.op for t in op.inputs。",
    "a fed tensor's op does not run: stop at tensors in feed_dict.":
        "被馈送张量所属的操作不会运行：遇到 feed_dict 中的张量就停下。",
    "only the ops the fetches need run: start from the fetches, not from every op of the "
    "graph.":
        "只运行 fetches 需要的操作：从 fetches 出发，而不是从图中的每个操作出发。",
    "return a set of tf.Operation objects or their names.":
        "返回由 tf.Operation 对象或其名字组成的集合。",
    "return None when every value is finite.": "所有值都是有限值时返回 None。",
    "check the tensors in order and return the first one with not "
    "np.all(np.isfinite(value)): probs is finite (it has an exact 0), its log is not.":
        "按顺序检查张量，返回第一个 not np.all(np.isfinite(value)) 的张量：probs 是有限的"
        "（其中有一个精确的 0），它的 log 则不是。",
    "fetch the whole list in one call: sess.run(tensors, feed_dict).":
        "在一次调用中取回整个列表：sess.run(tensors, feed_dict)。",
    "for each variable i, average tower_grads[r][i][0] over the processes r: "
    "zip(*tower_grads) groups the pairs by variable; divide the sum by len(tower_grads) (or "
    "tf.reduce_mean(tf.stack(grads), 0)).":
        "对每个变量 i，在各进程 r 上对 tower_grads[r][i][0] 求平均：zip(*tower_grads) "
        "按变量把梯度对分组；把总和除以 len(tower_grads)（或用 "
        "tf.reduce_mean(tf.stack(grads), 0)）。",
    "allreduce averages: divide the sum by the number of processes, len(tower_grads).":
        "allreduce 求的是平均值：把总和除以进程数 len(tower_grads)。",
    "average over every process's gradient, not only the first one's.":
        "对每个进程的梯度求平均，而不只是第一个进程的。",
    "return a list of (gradient, variable) pairs, one per variable, in the order of the "
    "variables: [(mean_gradient, var), ...].":
        "返回 (gradient, variable) 对的列表，每个变量一对，按变量的顺序排列："
        "[(mean_gradient, var), ...]。",
    "keep each gradient with its variable: the variable is the same on every process, take "
    "it from the first process's pair.":
        "让每个梯度与它的变量配对：每个进程上的变量都相同，从第一个进程的梯度对中取出即可。",
    "pass the class itself: exercises.check('12_gru_cell', MyGRUCell).":
        "传入类本身：exercises.check('12_gru_cell', MyGRUCell)。",
    "both are num_units: a GRU's output is its state.":
        "两者都是 num_units：GRU 的输出就是它的状态。",
    "return new_h, new_h: a GRU's output is its new state.":
        "返回 new_h, new_h：GRU 的输出就是它的新状态。",
    'create them with tf.get_variable inside tf.variable_scope(scope or "gru_cell"): '
    '"gates/kernel" [depth + num_units, 2 * num_units], "gates/bias" [2 * num_units], '
    '"candidate/kernel" [depth + num_units, num_units], "candidate/bias" [num_units]; depth '
    "is inputs.shape[1].":
        '在 tf.variable_scope(scope or "gru_cell") 中用 tf.get_variable 创建它们：'
        '"gates/kernel" [depth + num_units, 2 * num_units]、"gates/bias" [2 * num_units]、'
        '"candidate/kernel" [depth + num_units, num_units]、"candidate/bias" [num_units]；'
        "depth 是 inputs.shape[1]。",
    "r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gate_kernel) + "
    "gate_bias), 2, 1); c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), "
    "candidate_kernel) + candidate_bias); new_h = u * state + (1 - u) * c.":
        "r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gate_kernel) + "
        "gate_bias), 2, 1)；c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), "
        "candidate_kernel) + candidate_bias)；new_h = u * state + (1 - u) * c。",
    "initializer=tf.ones_initializer() for gates/bias and tf.zeros_initializer() for "
    "candidate/bias.":
        "gates/bias 用 initializer=tf.ones_initializer()，candidate/bias 用 "
        "tf.zeros_initializer()。",
    "TF's order: r, u = tf.split(..., 2, 1): the reset gate is the first half, the update "
    "gate the second.":
        "TF 的顺序是 r, u = tf.split(..., 2, 1)：前一半是重置门，后一半是更新门。",
    "new_h = u * state + (1 - u) * c: the update gate u keeps the old state.":
        "new_h = u * state + (1 - u) * c：更新门 u 保留旧的状态。",
    "the length is known only when the graph runs: loop with tf.while_loop(cond, body, [i, "
    "p]), not with a Python loop or tf.reduce_prod.":
        "长度只有在图运行时才知道：用 tf.while_loop(cond, body, [i, p]) 循环，而不是用 "
        "Python 循环或 tf.reduce_prod。",
    "start the running product at one: tf.ones([], dtype=x.dtype).":
        "累乘结果从 1 开始：tf.ones([], dtype=x.dtype)。",
    "start the running product at one: tf.ones([], dtype=x.dtype), so that the loop works "
    "for any float dtype.":
        "累乘结果从 1 开始：tf.ones([], dtype=x.dtype)，这样循环对任何浮点 dtype 都能工作。",
    "the body returns (i + 1, p * x[i]) and the loop runs while i < tf.size(x).":
        "循环体返回 (i + 1, p * x[i])，循环在 i < tf.size(x) 时继续。",
}
