/* Draws a shared or embedded insight with ECharts from the JSON the page carries
 * (#insight-data: {chart, insight: {result, last_refresh, query, filters}, jsonUrl, legend,
 * detailed}). A result not computed yet is fetched from jsonUrl with refresh=blocking.
 * window.insightPage exposes what was drawn ({chart, instance, ready, error}) for tests. */
;(function () {
  'use strict'

  var PALETTE = ['#1d4aff', '#621da6', '#42827e', '#ce0e74', '#f14f58', '#7c440e', '#529a0a', '#0476fb', '#fe729e', '#35416b']
  var LIFECYCLE_COLORS = { new: '#2e9e55', returning: '#1d4aff', resurrecting: '#9b51e0', dormant: '#e5484d' }
  var FONT = '"DejaVu Sans", system-ui, sans-serif'

  var data = JSON.parse(document.getElementById('insight-data').textContent)
  var chartEl = document.getElementById('chart')
  var tableEl = document.getElementById('table')
  var statusEl = document.getElementById('status')
  var page = (window.insightPage = { chart: data.chart, instance: null, ready: false, error: null })

  function setStatus(text, isError) {
    statusEl.textContent = text || ''
    statusEl.className = isError ? 'status error' : 'status'
  }

  function fmt(value) {
    if (value === null || value === undefined || value === '') return '–'
    var n = Number(value)
    if (!isFinite(n)) return String(value)
    return n.toLocaleString('en-US', { maximumFractionDigits: 2 })
  }

  function percent(part, whole) {
    return whole ? fmt((100 * part) / whole) + '%' : '–'
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–'
    var s = Math.round(Number(seconds))
    var units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]
    var parts = []
    for (var i = 0; i < units.length && parts.length < 2; i++) {
      var amount = Math.floor(s / units[i][1])
      if (amount > 0 || (parts.length === 0 && units[i][0] === 's')) {
        parts.push(amount + units[i][0])
        s -= amount * units[i][1]
      }
    }
    return parts.join(' ')
  }

  function seriesLabel(entry, index) {
    if (entry.status && LIFECYCLE_COLORS[entry.status]) {
      return entry.status.charAt(0).toUpperCase() + entry.status.slice(1)
    }
    var label = entry.custom_name || entry.label || (entry.action && entry.action.name) || 'Series ' + (index + 1)
    if (entry.compare_label) label += ' (' + entry.compare_label + ')'
    return String(label)
  }

  /* rows: arrays of cells; a cell is a value or {text, attrs, style, title}. */
  function renderTable(headers, rows, className) {
    var table = document.createElement('table')
    table.className = 'data ' + (className || '')
    var head = table.createTHead().insertRow()
    headers.forEach(function (text) {
      var th = document.createElement('th')
      th.textContent = text
      head.appendChild(th)
    })
    var body = table.createTBody()
    rows.forEach(function (cells) {
      var row = body.insertRow()
      cells.forEach(function (cell) {
        var td = row.insertCell()
        var spec = cell !== null && typeof cell === 'object' ? cell : { text: cell }
        td.textContent = spec.text === undefined ? '' : String(spec.text)
        Object.keys(spec.attrs || {}).forEach(function (name) {
          td.setAttribute(name, spec.attrs[name])
        })
        if (spec.style) td.setAttribute('style', spec.style)
        if (spec.title) td.title = spec.title
        if (spec.className) td.className = spec.className
      })
    })
    tableEl.appendChild(table)
    return table
  }

  function baseOption(legend) {
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis' },
      legend: legend ? { show: true, top: 0, type: 'scroll' } : { show: false },
      grid: { left: 16, right: 24, top: legend ? 44 : 16, bottom: 16, containLabel: true },
    }
  }

  function draw(option) {
    var instance = window.echarts.init(chartEl, null, { renderer: 'canvas' })
    instance.setOption(option)
    window.addEventListener('resize', function () {
      instance.resize()
    })
    page.instance = instance
    return instance
  }

  /* line, cumulative, area, bar, stacked bar, stickiness, lifecycle, funnel trends */
  function timeSeries(result, opts) {
    var labels = result[0].labels || result[0].days || []
    var option = baseOption(data.legend)
    option.xAxis = { type: 'category', data: labels, boundaryGap: opts.type === 'bar' }
    option.yAxis = opts.percent ? { type: 'value', axisLabel: { formatter: '{value}%' } } : { type: 'value', minInterval: 1 }
    option.series = result.map(function (entry, index) {
      var series = {
        name: opts.name || seriesLabel(entry, index),
        type: opts.type,
        data: (entry.data || []).map(Number),
        symbolSize: 6,
      }
      if (opts.stack) series.stack = 'total'
      if (opts.area) series.areaStyle = { opacity: 0.25 }
      if (entry.status && LIFECYCLE_COLORS[entry.status]) series.itemStyle = { color: LIFECYCLE_COLORS[entry.status] }
      return series
    })
    draw(option)
    if (data.detailed) {
      renderTable(
        ['Series'].concat(labels, ['Total']),
        result.map(function (entry, index) {
          return [seriesLabel(entry, index)].concat(
            (entry.data || []).map(fmt),
            [fmt(entry.count !== undefined ? entry.count : (entry.data || []).reduce(function (a, b) { return a + Number(b) }, 0))]
          )
        })
      )
    }
  }

  function boldNumber(result) {
    var entry = result[0] || {}
    var value = entry.aggregated_value !== undefined ? entry.aggregated_value : entry.count
    var number = document.createElement('div')
    number.className = 'bold-number'
    number.setAttribute('data-value', String(value))
    number.textContent = fmt(value)
    var label = document.createElement('div')
    label.className = 'bold-number-label'
    label.textContent = seriesLabel(entry, 0)
    tableEl.appendChild(number)
    tableEl.appendChild(label)
  }

  function totalsTable(result) {
    renderTable(
      ['Series', 'Total'],
      result.map(function (entry, index) {
        var value = entry.aggregated_value !== undefined ? entry.aggregated_value : entry.count
        return [seriesLabel(entry, index), { text: fmt(value), attrs: { 'data-value': String(value) } }]
      })
    )
  }

  function pie(result) {
    var option = baseOption(data.legend)
    option.tooltip = { trigger: 'item', formatter: '{b}: {c} ({d}%)' }
    option.series = [
      {
        type: 'pie',
        radius: ['35%', '68%'],
        center: ['50%', '56%'],
        label: { formatter: '{b}: {c} ({d}%)' },
        data: result.map(function (entry, index) {
          return { name: seriesLabel(entry, index), value: Number(entry.aggregated_value) }
        }),
      },
    ]
    draw(option)
    if (data.detailed) totalsTable(result)
  }

  function barValue(result) {
    var option = baseOption(false)
    option.tooltip = { trigger: 'item' }
    option.yAxis = { type: 'category', inverse: true, data: result.map(seriesLabel) }
    option.xAxis = { type: 'value' }
    option.series = [
      {
        type: 'bar',
        label: { show: true, position: 'right' },
        data: result.map(function (entry) {
          return Number(entry.aggregated_value)
        }),
        colorBy: 'data',
      },
    ]
    draw(option)
    if (data.detailed) totalsTable(result)
  }

  function funnelSteps(result) {
    // A breakdown funnel is a list of step lists, one per breakdown value.
    var groups = Array.isArray(result[0]) ? result : [result]
    var steps = groups[0]
    var option = baseOption(groups.length > 1)
    option.tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' } }
    option.xAxis = {
      type: 'category',
      data: steps.map(function (step, index) {
        return index + 1 + '. ' + (step.custom_name || step.name || 'All events')
      }),
    }
    option.yAxis = { type: 'value', name: 'Persons', minInterval: 1 }
    option.grid.top = Math.max(option.grid.top, 40)
    option.series = groups.map(function (group) {
      var first = group[0] ? group[0].count : 0
      var breakdown = group[0] && group[0].breakdown_value
      return {
        type: 'bar',
        name: breakdown !== undefined && breakdown !== null ? String(breakdown) : 'Persons',
        barMaxWidth: 90,
        data: group.map(function (step) {
          return Number(step.count)
        }),
        label: {
          show: true,
          position: 'top',
          formatter: function (p) {
            return fmt(p.value) + ' (' + percent(p.value, first) + ')'
          },
        },
      }
    })
    draw(option)
    var first = steps[0] ? steps[0].count : 0
    var last = steps.length ? steps[steps.length - 1].count : 0
    setStatus('Total conversion rate: ' + percent(last, first))
    if (data.detailed) {
      renderTable(
        ['Step', 'Persons', 'From previous step', 'From first step', 'Average time'],
        steps.map(function (step, index) {
          var previous = index ? steps[index - 1].count : step.count
          return [
            index + 1 + '. ' + (step.custom_name || step.name || 'All events'),
            { text: fmt(step.count), attrs: { 'data-value': String(step.count) } },
            percent(step.count, previous),
            percent(step.count, first),
            index ? duration(step.average_conversion_time) : '–',
          ]
        })
      )
    }
  }

  function timeToConvert(result) {
    var bins = result.bins || []
    var option = baseOption(false)
    option.tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' } }
    option.xAxis = {
      type: 'category',
      name: 'Time to convert',
      nameLocation: 'middle',
      nameGap: 28,
      data: bins.map(function (bin) {
        return duration(bin[0])
      }),
    }
    option.yAxis = { type: 'value', name: 'Persons', minInterval: 1 }
    option.grid.top = Math.max(option.grid.top, 40)
    option.grid.bottom = 36
    option.series = [
      {
        type: 'bar',
        name: 'Persons',
        barCategoryGap: '8%',
        label: { show: true, position: 'top' },
        data: bins.map(function (bin) {
          return Number(bin[1])
        }),
      },
    ]
    draw(option)
    setStatus('Average time to convert: ' + duration(result.average_conversion_time))
  }

  function cohortLabel(row) {
    if (row.date) {
      var day = new Date(row.date)
      if (!isNaN(day)) return day.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    }
    return row.label
  }

  function retention(result) {
    var width = result.reduce(function (max, row) {
      return Math.max(max, (row.values || []).length)
    }, 0)
    var headers = ['Cohort', 'Persons']
    var sample = (result[0] && result[0].values) || []
    for (var i = 0; i < width; i++) headers.push((sample[i] && sample[i].label) || String(i))
    renderTable(
      headers,
      result.map(function (row) {
        var values = row.values || []
        var size = values.length ? values[0].count : 0
        var cells = [cohortLabel(row), { text: fmt(size), attrs: { 'data-size': String(size) } }]
        values.forEach(function (value) {
          var share = size ? value.count / size : 0
          cells.push({
            text: percent(value.count, size),
            title: fmt(value.count) + ' of ' + fmt(size) + ' persons',
            attrs: { 'data-count': String(value.count) },
            className: 'cell',
            style:
              'background: rgba(29, 74, 255, ' + (0.08 + 0.8 * share).toFixed(3) + '); color: ' + (share > 0.5 ? '#fff' : '#1f2430'),
          })
        })
        for (var j = values.length; j < width; j++) cells.push('')
        return cells
      }),
      'retention'
    )
  }

  function pathLabel(name) {
    var text = String(name).replace(/^\d+_/, '')
    try {
      var url = new URL(text)
      return url.pathname + url.search + url.hash
    } catch (e) {
      return text
    }
  }

  function paths(result) {
    var names = []
    result.forEach(function (link) {
      ;[link.source, link.target].forEach(function (name) {
        if (names.indexOf(name) < 0) names.push(name)
      })
    })
    var option = baseOption(false)
    option.tooltip = { trigger: 'item' }
    option.series = [
      {
        type: 'sankey',
        left: 8,
        right: 140,
        top: 16,
        bottom: 16,
        nodeGap: 14,
        nodeAlign: 'left',
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', curveness: 0.5, opacity: 0.35 },
        label: {
          formatter: function (p) {
            return pathLabel(p.name)
          },
        },
        data: names.map(function (name) {
          return { name: name }
        }),
        links: result.map(function (link) {
          return { source: link.source, target: link.target, value: Number(link.value) }
        }),
      },
    ]
    draw(option)
    if (data.detailed) {
      renderTable(
        ['From', 'To', 'Persons'],
        result.map(function (link) {
          return [pathLabel(link.source), pathLabel(link.target), fmt(link.value)]
        })
      )
    }
  }

  function render(kind, result) {
    tableEl.textContent = ''
    if (page.instance) page.instance.dispose()
    page.instance = null
    var empty = result === null || result === undefined || (Array.isArray(result) && result.length === 0)
    if (empty) {
      setStatus('No data for this date range.')
      return
    }
    switch (kind) {
      case 'line':
        return timeSeries(result, { type: 'line' })
      case 'cumulative':
        return timeSeries(result, { type: 'line' })
      case 'area':
        return timeSeries(result, { type: 'line', area: true, stack: true })
      case 'bar':
        return timeSeries(result, { type: 'bar' })
      case 'stacked-bar':
        return timeSeries(result, { type: 'bar', stack: true })
      case 'stickiness':
        return timeSeries(result, { type: 'line' })
      case 'lifecycle':
        return timeSeries(result, { type: 'bar', stack: true })
      case 'funnel-trends':
        return timeSeries(result, { type: 'line', percent: true, name: 'Conversion rate' })
      case 'number':
        return boldNumber(result)
      case 'pie':
        return pie(result)
      case 'bar-value':
        return barValue(result)
      case 'table':
        return totalsTable(result)
      case 'funnel-steps':
        return funnelSteps(result)
      case 'funnel-time-to-convert':
        return timeToConvert(result)
      case 'retention':
        return retention(result)
      case 'paths':
        return paths(result)
      default:
        setStatus('This kind of insight cannot be drawn here; its data is at ' + data.jsonUrl + '.')
    }
  }

  function showLastRefresh(iso) {
    var el = document.getElementById('last-refresh')
    if (!el) return
    if (!iso) {
      el.textContent = 'not yet'
      return
    }
    var when = new Date(iso)
    if (isNaN(when)) return
    el.setAttribute('datetime', iso)
    var minutes = Math.round((Date.now() - when.getTime()) / 60000)
    var ago =
      minutes < 1 ? 'just now' : minutes < 60 ? minutes + ' min ago' : minutes < 1440 ? Math.round(minutes / 60) + ' h ago' : Math.round(minutes / 1440) + ' days ago'
    el.textContent =
      when.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) +
      ' UTC (' + ago + ')'
  }

  function finish(insight) {
    try {
      showLastRefresh(insight.last_refresh)
      render(data.chart, insight.result)
    } catch (error) {
      page.error = String(error && error.message ? error.message : error)
      setStatus('This insight could not be drawn.', true)
    }
    page.ready = true
  }

  if (data.insight.result === null || data.insight.result === undefined) {
    // Not computed yet (or its cache expired): compute it now, then draw.
    setStatus('Computing…')
    fetch(data.jsonUrl + '?refresh=blocking', { headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status)
        return response.json()
      })
      .then(function (payload) {
        setStatus('')
        finish(payload.insight)
      })
      .catch(function (error) {
        page.error = String(error.message || error)
        setStatus('The insight could not be computed right now. Reload to try again.', true)
        page.ready = true
      })
  } else {
    finish(data.insight)
  }
})()
